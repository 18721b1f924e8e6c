#include "gateway/hook_runner.h"

#include "base/strings.h"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sekisho::gateway {
namespace {

namespace asio = boost::asio;

// A hook that prints more than this is cut off in the log (it keeps running).
constexpr std::size_t kMaxLoggedLines = 100;
constexpr std::size_t kMaxLineLength = 1000;

// In the child between fork and exec: only async-signal-safe calls.
[[noreturn]] void ExecHook(const char* program, char* const argv[], char* const envp[], int devnull,
                           int output) {
  ::setsid();  // its own process group: the timeout kills whatever it started too
  ::dup2(devnull, STDIN_FILENO);
  ::dup2(output, STDOUT_FILENO);
  ::dup2(output, STDERR_FILENO);
  ::close_range(3, ~0U, 0);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &dfl, nullptr);  // an ignored SIGPIPE would survive the exec
  ::execve(program, argv, envp);
  static const char kFailed[] = "cannot execute the hook program\n";
  (void)!::write(STDERR_FILENO, kFailed, sizeof(kFailed) - 1);
  ::_exit(127);
}

}  // namespace

struct HookRunner::Running {
  explicit Running(asio::io_context& io) : exit_watch(io), output(io), deadline(io) {}
  pid_t pid = -1;
  std::string label;
  Done done;
  std::uint32_t timeout_s = 0;
  asio::posix::stream_descriptor exit_watch;  // the pidfd: readable once the process ended
  asio::posix::stream_descriptor output;      // read end of its stdout/stderr pipe
  asio::steady_timer deadline;
  std::array<char, 4096> buffer{};
  std::string partial_line;
  std::size_t lines = 0;
  bool timed_out = false;
  bool exited = false;
  bool output_closed = false;
  int wait_status = 0;
};

HookRunner::HookRunner(asio::io_context& io, Logger log) : io_(io), log_(std::move(log)) {}

HookRunner::~HookRunner() {
  for (auto& [id, run] : runs_) {
    if (!run->exited && run->pid > 0) {
      ::kill(-run->pid, SIGKILL);
      ::waitpid(run->pid, nullptr, 0);
    }
  }
}

void HookRunner::Run(const std::string& program, const std::vector<std::string>& env,
                     std::uint32_t timeout_s, std::string label, Done done) {
  // Everything the child needs is built before fork().
  std::vector<std::string> env_copy = env;
  std::vector<char*> envp;
  for (std::string& entry : env_copy) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);
  std::string argv0 = program;
  char* argv[] = {argv0.data(), nullptr};
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    done("cannot create a pipe: " + std::string(std::strerror(errno)));
    return;
  }
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t pid = ::fork();
  if (pid == 0) {
    ExecHook(program.c_str(), argv, envp.data(), devnull, pipe_fds[1]);
  }
  const int fork_errno = errno;
  ::close(pipe_fds[1]);
  if (devnull >= 0) {
    ::close(devnull);
  }
  if (pid < 0) {
    ::close(pipe_fds[0]);
    done("cannot fork: " + std::string(std::strerror(fork_errno)));
    return;
  }
  // The system call directly: Debian 12's <sys/pidfd.h> lacks extern "C" for C++.
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    // Cannot watch it: do not leave it running unobserved.
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ::close(pipe_fds[0]);
    done("cannot watch the hook process: " + std::string(std::strerror(errno)));
    return;
  }
  auto run = std::make_shared<Running>(io_);
  run->pid = pid;
  run->label = std::move(label);
  run->done = std::move(done);
  run->timeout_s = timeout_s;
  run->exit_watch.assign(pidfd);
  run->output.assign(pipe_fds[0]);
  const std::uint64_t id = next_id_++;
  runs_[id] = run;
  log_.Info("{}: started {} (pid {})", run->label, EscapeForLog(program), pid);

  run->deadline.expires_after(std::chrono::seconds(timeout_s));
  run->deadline.async_wait([this, weak = std::weak_ptr(run)](const boost::system::error_code& ec) {
    auto r = weak.lock();
    if (ec || !r || r->exited) {
      return;
    }
    log_.Warn("{}: still running after {} s; killing its process group", r->label, r->timeout_s);
    r->timed_out = true;
    ::kill(-r->pid, SIGKILL);
  });
  run->exit_watch.async_wait(
      asio::posix::stream_descriptor::wait_read,
      [this, id, weak = std::weak_ptr(run)](const boost::system::error_code& ec) {
        auto r = weak.lock();
        if (ec || !r) {
          return;
        }
        siginfo_t info{};
        if (::waitid(P_PIDFD, static_cast<id_t>(r->exit_watch.native_handle()), &info, WEXITED) ==
            0) {
          r->wait_status = info.si_code == CLD_EXITED ? W_EXITCODE(info.si_status, 0)
                                                      : W_EXITCODE(0, info.si_status);
        }
        r->exited = true;
        r->deadline.cancel();
        if (r->output_closed) {
          Finish(id);
        }
      });
  ReadOutput(id, run);
}

// Logs the hook's output line by line (at most kMaxLoggedLines); the end of the output and the
// end of the process may come in either order, Finish() waits for both.
void HookRunner::ReadOutput(std::uint64_t id, std::weak_ptr<Running> weak) {
  auto run = weak.lock();
  if (!run) {
    return;
  }
  run->output.async_read_some(
      asio::buffer(run->buffer),
      [this, id, weak](const boost::system::error_code& ec, std::size_t n) {
        auto r = weak.lock();
        if (!r) {
          return;
        }
        r->partial_line.append(r->buffer.data(), n);
        std::size_t newline;
        while ((newline = r->partial_line.find('\n')) != std::string::npos ||
               (ec && !r->partial_line.empty()) || r->partial_line.size() > kMaxLineLength) {
          std::size_t take = newline != std::string::npos
                                 ? newline
                                 : std::min(r->partial_line.size(), kMaxLineLength);
          if (r->lines++ < kMaxLoggedLines) {
            log_.Info("{}: {}", r->label, EscapeForLog(r->partial_line.substr(0, take)));
          } else if (r->lines == kMaxLoggedLines + 1) {
            log_.Info("{}: (further output not logged)", r->label);
          }
          r->partial_line.erase(0, newline != std::string::npos ? take + 1 : take);
        }
        if (ec) {
          r->output_closed = true;
          if (r->exited) {
            Finish(id);
          }
          return;
        }
        ReadOutput(id, weak);
      });
}

void HookRunner::Finish(std::uint64_t id) {
  auto it = runs_.find(id);
  if (it == runs_.end()) {
    return;
  }
  std::shared_ptr<Running> run = std::move(it->second);
  runs_.erase(it);
  std::optional<std::string> failure =
      HookFailure(run->wait_status, run->timed_out, run->timeout_s);
  log_.Info("{}: {}", run->label, failure ? *failure : std::string("exited with 0"));
  run->done(std::move(failure));
}

// --- SessionHooks -------------------------------------------------------------------------------

SessionHooks::SessionHooks(asio::io_context& io, const HooksConfig& config,
                           SessionRegistry& registry, const Clock& clock, Logger log)
    : config_(config), registry_(registry), clock_(clock), log_(log), runner_(io, log) {}

HookSession SessionHooks::Describe(const Session& session, const std::string& local_ip) {
  HookSession s;
  s.id = session.id;
  s.user = session.user;
  s.group = session.group;
  s.peer_ip = session.peer_address;
  s.local_ip = local_ip;
  s.vpn_ipv4 = session.ipv4 ? FormatIpv4(*session.ipv4) : "";
  s.gateway_ipv4 = FormatIpv4(registry_.TunnelLocalAddress(session));
  s.device = session.tun ? session.tun->name() : "";
  return s;
}

void SessionHooks::Connect(const Session& session, const std::string& local_ip,
                           HookRunner::Done done) {
  if (!config_.connect || connected_.count(session.id) != 0) {
    done(std::nullopt);
    return;
  }
  HookSession described = Describe(session, local_ip);
  const SessionId id = session.id;
  const std::string user = session.user;
  runner_.Run(
      *config_.connect, HookEnvironment(HookEvent::kConnect, described), config_.timeout_s,
      "connect hook, session " + std::to_string(id),
      [this, id, user, described, done = std::move(done)](std::optional<std::string> failure) {
        if (failure) {
          log_.Warn("connect hook refused the tunnel of session {} (user {}): {}", id,
                    EscapeForLog(user), *failure);
        } else {
          connected_[id] = described;
        }
        done(std::move(failure));
      });
}

void SessionHooks::Ended(const Session& session, std::string_view reason) {
  HookSession described;
  if (auto it = connected_.find(session.id); it != connected_.end()) {
    described = std::move(it->second);
    connected_.erase(it);
  } else if (config_.connect || !session.ipv4) {
    return;  // its connect hook never passed (or it never had a tunnel): nothing to undo
  } else {
    described = Describe(session, "");
  }
  if (!config_.disconnect) {
    return;
  }
  described.bytes_in = session.counters.bytes_in;
  described.bytes_out = session.counters.bytes_out;
  described.duration_s = static_cast<std::uint64_t>(
      std::chrono::duration_cast<seconds>(clock_.Now() - session.created).count());
  described.end_reason = std::string(reason);
  runner_.Run(*config_.disconnect, HookEnvironment(HookEvent::kDisconnect, described),
              config_.timeout_s, "disconnect hook, session " + std::to_string(session.id),
              [](std::optional<std::string>) {});
}

}  // namespace sekisho::gateway
