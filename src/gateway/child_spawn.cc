#include "gateway/child_spawn.h"

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace sekisho::gateway {

Result<pid_t> SpawnChild(const std::string& executable, const std::vector<std::string>& args,
                         const std::vector<int>& fds) {
  // argv[0] names the program for ps(1); the image comes from `executable`, normally
  // /proc/self/exe, which still works after the file on disk was replaced by an upgrade.
  static char program_name[] = "sekishod";
  std::vector<char*> argv;
  argv.push_back(program_name);
  for (const std::string& arg : args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    return Fail(Errc::kIo, std::string("fork: ") + std::strerror(errno));
  }
  if (pid > 0) {
    return pid;
  }
  // Child: only async-signal-safe calls until exec.
  constexpr int kScratch = 64;
  int scratch[8];
  for (std::size_t i = 0; i < fds.size() && i < 8; ++i) {
    scratch[i] = ::fcntl(fds[i], F_DUPFD, kScratch + static_cast<int>(i));
  }
  for (std::size_t i = 0; i < fds.size() && i < 8; ++i) {
    ::dup2(scratch[i], 3 + static_cast<int>(i));
  }
  ::close_range(3 + static_cast<unsigned>(fds.size()), ~0U, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execv(executable.c_str(), argv.data());
  ::_exit(127);
}

}  // namespace sekisho::gateway
