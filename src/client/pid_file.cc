#include "client/pid_file.h"

#include "base/strings.h"
#include "client/progress.h"
#include "client/xdg_paths.h"

#include <dirent.h>

#include <cstdlib>
#include <signal.h>
#include <unistd.h>
#include <vector>

namespace sekisho::client {

Result<std::string> RunDir() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime != nullptr && runtime[0] == '/') {
    return std::string(runtime) + "/sekisho";
  }
  SEKISHO_ASSIGN_OR_RETURN(std::string config, ConfigDir(PathEnv::FromProcess()));
  return config + "/run";
}

int RunDisconnect(const std::string& interface_name) {
  auto dir = RunDir();
  if (!dir) {
    Say("Error: {}", dir.error().ToString());
    return 1;
  }
  std::vector<std::string> files;
  if (!interface_name.empty()) {
    files.push_back(*dir + "/" + interface_name + ".pid");
  } else if (DIR* d = ::opendir(dir->c_str())) {
    while (dirent* entry = ::readdir(d)) {
      std::string name = entry->d_name;
      if (name.size() > 4 && name.ends_with(".pid")) {
        files.push_back(*dir + "/" + name);
      }
    }
    ::closedir(d);
  }
  if (files.empty()) {
    Say("Error: no running sekisho client found in {}", *dir);
    return 1;
  }
  if (files.size() > 1) {
    Say("Error: several clients are running; choose one with --interface");
    return 1;
  }
  auto text = ReadFileIfExists(files[0]);
  if (!text || !*text) {
    Say("Error: no running client for {}", files[0]);
    return 1;
  }
  auto pid = ParseUint(TrimWhitespace(**text), 4194304);
  if (!pid || *pid < 2) {
    Say("Error: bad pid file {}", files[0]);
    return 1;
  }
  if (::kill(static_cast<pid_t>(*pid), SIGTERM) != 0) {
    Say("Error: cannot signal process {} (stale pid file {}?)", *pid, files[0]);
    return 1;
  }
  Say("Sent SIGTERM to sekisho (pid {})", *pid);
  return 0;
}

void PidFile::Write(const std::string& interface_name) {
  auto dir = RunDir();
  if (!dir) {
    return;
  }
  if (auto made = MakeDirectories(*dir); !made) {
    log_.Warn("no pid file: {}", made.error().ToString());
    return;
  }
  path_ = *dir + "/" + interface_name + ".pid";
  if (auto written = WriteFileAtomic(path_, std::to_string(::getpid()) + "\n", 0644); !written) {
    log_.Warn("no pid file: {}", written.error().ToString());
    path_.clear();
  }
}

void PidFile::Remove() {
  if (!path_.empty()) {
    ::unlink(path_.c_str());
    path_.clear();
  }
}

}  // namespace sekisho::client
