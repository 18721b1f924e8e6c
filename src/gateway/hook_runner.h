#pragma once
// Connect/disconnect hooks ([hooks], docs/config.md), run by main as root like ocserv's
// connect-script and disconnect-script.
//
// HookRunner starts a program without blocking main's event loop: fork + exec in a new process
// group with the environment from hook_env.h, stdin /dev/null, stdout and stderr read
// asynchronously into the log, the end observed through a pidfd (so ProcessSupervisor's
// reaping of its own children never takes a hook's status), and the process group killed
// when it outlives the timeout.
//
// SessionHooks applies them to sessions: the connect hook runs once per session, when its first
// tunnel was granted and before the worker hears of it; a failure refuses the tunnel and ends
// the session. The disconnect hook runs when a session whose connect hook passed (or any
// session, without a connect hook) ends, with its byte counts and duration.

#include "base/log.h"
#include "base/time.h"
#include "gateway/config.h"
#include "gateway/hook_env.h"
#include "gateway/session_registry.h"

#include <boost/asio/io_context.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sekisho::gateway {

class HookRunner {
 public:
  // nullopt: the program exited with 0; else why it failed (could not start, exit status,
  // signal, timeout).
  using Done = std::function<void(std::optional<std::string> failure)>;

  HookRunner(boost::asio::io_context& io, Logger log);
  // Kills the process groups of hooks still running (their `done` is not called).
  ~HookRunner();
  HookRunner(const HookRunner&) = delete;
  HookRunner& operator=(const HookRunner&) = delete;

  // `label` names the run in log lines ("connect hook, session 12"). `done` runs on the loop.
  void Run(const std::string& program, const std::vector<std::string>& env, std::uint32_t timeout_s,
           std::string label, Done done);

  std::size_t running() const { return runs_.size(); }

 private:
  struct Running;
  void ReadOutput(std::uint64_t id, std::weak_ptr<Running> weak);
  void Finish(std::uint64_t id);

  boost::asio::io_context& io_;
  Logger log_;
  std::map<std::uint64_t, std::shared_ptr<Running>> runs_;
  std::uint64_t next_id_ = 1;
};

class SessionHooks {
 public:
  // REQUIRES: `config` and `registry` outlive this object.
  SessionHooks(boost::asio::io_context& io, const HooksConfig& config, SessionRegistry& registry,
               const Clock& clock, Logger log);

  bool has_connect() const { return config_.connect.has_value(); }

  // The connect hook for `session`, whose tunnel was just granted (lease and TUN device in
  // place); `local_ip` is the gateway address the client reached. Calls `done(nullopt)` at
  // once when there is no connect hook or it passed for this session before.
  void Connect(const Session& session, const std::string& local_ip, HookRunner::Done done);
  // For SessionRegistry's end callback: starts the disconnect hook when one is due.
  void Ended(const Session& session, std::string_view reason);
  // Hooks still running (shutdown waits for them, up to hooks.timeout).
  std::size_t running() const { return runner_.running(); }

 private:
  HookSession Describe(const Session& session, const std::string& local_ip);

  const HooksConfig& config_;
  SessionRegistry& registry_;
  const Clock& clock_;
  Logger log_;
  HookRunner runner_;
  // Sessions whose connect hook passed, as the disconnect hook will describe them.
  std::map<SessionId, HookSession> connected_;
};

}  // namespace sekisho::gateway
