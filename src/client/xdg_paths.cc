#include "client/xdg_paths.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sekisho::client {
namespace {

std::optional<std::string> GetEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

bool Usable(const std::optional<std::string>& value) { return value && !value->empty(); }

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') {
    out += '/';
  }
  out += name;
  return out;
}

std::string ErrnoText(int err) { return std::strerror(err); }

Result<void> WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Fail(Errc::kIo, ErrnoText(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Ok();
}

}  // namespace

PathEnv PathEnv::FromProcess() {
  return PathEnv{GetEnv("SEKISHO_CONFIG_DIR"), GetEnv("XDG_CONFIG_HOME"), GetEnv("HOME")};
}

Result<std::string> ConfigDir(const PathEnv& env) {
  if (Usable(env.sekisho_config_dir)) {
    return *env.sekisho_config_dir;
  }
  // XDG Base Directory: a relative XDG_CONFIG_HOME is invalid and must be ignored.
  if (Usable(env.xdg_config_home) && env.xdg_config_home->front() == '/') {
    return JoinPath(*env.xdg_config_home, "sekisho");
  }
  if (Usable(env.home)) {
    return JoinPath(JoinPath(*env.home, ".config"), "sekisho");
  }
  return Fail(Errc::kConfig,
              "no configuration directory: set HOME, XDG_CONFIG_HOME or SEKISHO_CONFIG_DIR");
}

std::string GatewayKey(std::string_view host, std::uint16_t port) {
  std::string out;
  out.reserve(host.size() + 6);
  for (char c : host) {
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  out += ':';
  out += std::to_string(port);
  return out;
}

std::string GatewayDirName(std::string_view host, std::uint16_t port) {
  std::string out;
  out.reserve(host.size() + 6);
  for (char c : host) {
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-') {
      out += c;
    } else {
      out += '_';
    }
  }
  // "." and ".." (or any leading dot) would name a directory we must not use.
  if (!out.empty() && out.front() == '.') {
    out.front() = '_';
  }
  if (out.empty()) {
    out = "_";
  }
  if (port != 443) {
    out += '_';
    out += std::to_string(port);
  }
  return out;
}

std::string GatewayDir(std::string_view config_dir, std::string_view host, std::uint16_t port) {
  return JoinPath(config_dir, GatewayDirName(host, port));
}

Result<void> MakeDirectories(const std::string& path, unsigned mode) {
  if (path.empty()) {
    return Fail(Errc::kIo, "empty directory path");
  }
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    const std::string prefix = path.substr(0, pos);
    if (prefix.empty()) {
      continue;
    }
    if (::mkdir(prefix.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
      return Fail(Errc::kIo, "cannot create directory " + prefix + ": " + ErrnoText(errno));
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Fail(Errc::kIo, "not a directory: " + path);
  }
  return Ok();
}

Result<std::optional<std::string>> ReadFileIfExists(const std::string& path,
                                                    std::size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return std::optional<std::string>();
    }
    return Fail(Errc::kIo, "cannot open " + path + ": " + ErrnoText(errno));
  }
  std::string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      const int err = errno;
      ::close(fd);
      return Fail(Errc::kIo, "cannot read " + path + ": " + ErrnoText(err));
    }
    if (n == 0) {
      break;
    }
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      ::close(fd);
      return Fail(Errc::kTooLarge, path + " is too large");
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>(std::move(out));
}

Result<void> WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode) {
  const std::size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    SEKISHO_TRY(MakeDirectories(path.substr(0, slash)));
  }
  // mkstemp creates the file 0600; fchmod sets the requested mode before any byte is written.
  std::string tmp = path + ".tmp-XXXXXX";
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) {
    return Fail(Errc::kIo, "cannot create a temporary file for " + path + ": " + ErrnoText(errno));
  }
  auto fail = [&](std::string what) -> Result<void> {
    ::close(fd);
    ::unlink(tmp.c_str());
    return Fail(Errc::kIo, "cannot write " + path + ": " + what);
  };
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    return fail(ErrnoText(errno));
  }
  if (auto written = WriteAll(fd, data); !written) {
    return fail(written.error().context);
  }
  if (::fsync(fd) != 0) {
    return fail(ErrnoText(errno));
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Fail(Errc::kIo, "cannot write " + path + ": " + ErrnoText(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Fail(Errc::kIo, "cannot replace " + path + ": " + ErrnoText(err));
  }
  return Ok();
}

}  // namespace sekisho::client
