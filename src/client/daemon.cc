#include "client/daemon.h"

#include "client/privilege_drop.h"
#include "client/progress.h"
#include "client/syslog_output.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace sekisho::client {
namespace {

Error ErrnoError(const char* what) {
  return Error{Errc::kIo, std::string(what) + ": " + std::strerror(errno)};
}

int ExitStatusOf(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return WEXITSTATUS(wait_status);
  }
  return 1;  // killed by a signal: the session did not end cleanly
}

// The parent of --background: waits for "up" (one byte) or for the child's end.
[[noreturn]] void WaitForDetachedChild(int read_fd, pid_t child) {
  char byte = 0;
  ssize_t n = 0;
  do {
    n = ::read(read_fd, &byte, 1);
  } while (n < 0 && errno == EINTR);
  if (n == 1) {
    std::_Exit(0);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  std::_Exit(ExitStatusOf(status));
}

sigset_t SupervisedSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGCHLD);
  return set;
}

}  // namespace

Result<void> ServiceMode::Detach() {
  if (!options_.background) {
    return Ok();
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return Fail(ErrnoError("pipe"));
  }
  std::fflush(nullptr);
  pid_t child = ::fork();
  if (child < 0) {
    return Fail(ErrnoError("fork"));
  }
  if (child > 0) {
    ::close(fds[1]);
    WaitForDetachedChild(fds[0], child);
  }
  ::close(fds[0]);
  up_pipe_ = fds[1];
  return Ok();
}

void ServiceMode::ReportUp() {
  if (up_pipe_ < 0) {
    return;
  }
  Say("Continuing in background; pid {}", static_cast<long>(::getpid()));
  ::setsid();
  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd >= 0) {
    std::fflush(nullptr);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(null_fd, STDOUT_FILENO);
    ::dup2(null_fd, STDERR_FILENO);
    ::close(null_fd);
  }
  char up = '1';
  (void)::write(up_pipe_, &up, 1);
  ::close(up_pipe_);
  up_pipe_ = -1;
}

Result<ServiceMode::TunnelUp> ServiceMode::OnTunnelUp(
    boost::asio::io_context& io, const std::function<void()>& release_in_parent) {
  if (!options_.pid_file.empty()) {
    std::FILE* file = std::fopen(options_.pid_file.c_str(), "w");
    if (file == nullptr) {
      return Fail(ErrnoError(("--pid-file " + options_.pid_file).c_str()));
    }
    std::fprintf(file, "%ld\n", static_cast<long>(::getpid()));
    std::fclose(file);
    pid_file_written_ = true;
  }
  ReportUp();
  if (options_.use_syslog) {
    StartSyslogOutput();
  }
  if (options_.setuid_user.empty()) {
    return TunnelUp{};
  }
  SEKISHO_ASSIGN_OR_RETURN(TargetUser target, LookUpUser(options_.setuid_user));
  // Signals wait in the mask until the supervisor collects them (no window between fork and
  // sigwaitinfo); the child unmasks them for the loop's signal_set.
  sigset_t set = SupervisedSignals();
  sigset_t previous;
  ::sigprocmask(SIG_BLOCK, &set, &previous);
  io.notify_fork(boost::asio::io_context::fork_prepare);
  pid_t child = ::fork();
  if (child < 0) {
    ::sigprocmask(SIG_SETMASK, &previous, nullptr);
    return Fail(ErrnoError("fork"));
  }
  if (child > 0) {
    io.notify_fork(boost::asio::io_context::fork_parent);
    if (release_in_parent) {
      release_in_parent();
    }
    return Supervise(child);
  }
  io.notify_fork(boost::asio::io_context::fork_child);
  dropped_child_ = true;
  ::sigprocmask(SIG_SETMASK, &previous, nullptr);
  SEKISHO_TRY(DropPrivileges(target));
  Say("Privileges dropped: running as {} (uid {})", options_.setuid_user,
      static_cast<long>(target.uid));
  return TunnelUp{};
}

Result<ServiceMode::TunnelUp> ServiceMode::Supervise(pid_t child) {
  sigset_t set = SupervisedSignals();
  log_.Info("supervising the unprivileged client, pid {}", static_cast<long>(child));
  while (true) {
    siginfo_t info{};
    int signal_number = ::sigwaitinfo(&set, &info);
    if (signal_number < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Fail(ErrnoError("sigwaitinfo"));
    }
    if (signal_number != SIGCHLD) {
      ::kill(child, signal_number);
      continue;
    }
    int status = 0;
    pid_t done = ::waitpid(child, &status, WNOHANG);
    if (done == child) {
      return TunnelUp{Role::kSupervisor, ExitStatusOf(status)};
    }
  }
}

void ServiceMode::Finish() {
  if (pid_file_written_ && !dropped_child_) {
    (void)::unlink(options_.pid_file.c_str());
  }
}

}  // namespace sekisho::client
