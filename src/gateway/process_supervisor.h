#pragma once
// ProcessSupervisor: main's side of sekishod's process split (docs/architecture.md, docs/ipc.md).
// It starts the security module and the workers (fork + exec of sekishod itself, with their
// links on fds 3 and 4), restarts any that dies, hands accepted TCP connections to the workers
// in turn, and serves the workers' requests through SessionService: logins, CONNECT grants
// (with the TUN device's fd), DTLS sockets, tunnel ends and traffic.
//
// Connection limits: main admits each connection (ConnectionLimits, owned by the Gateway) and
// names it in NewConnection; the worker reports its phases (ConnectionPhase), which update the
// counts only for connections handed to that worker. A worker's death releases all of its.
//
// A worker is trusted only with its own tunnels: every message naming a connection is checked
// against the tunnels main granted to that worker. When a worker dies, its tunnels are detached
// (the sessions, cookies, addresses and TUN devices stay), so its clients reconnect with their
// cookie through another worker and get the same address.
//
// Thread affinity: main's event-loop thread.

#include "base/log.h"
#include "base/result.h"
#include "gateway/auth_front.h"
#include "gateway/config.h"
#include "gateway/connection_limits.h"
#include "gateway/secmod_credentials.h"
#include "gateway/session_registry.h"
#include "gateway/session_service.h"
#include "net/scoped_fd.h"
#include "proto/ipc/messages.h"
#include "proto/ipc/reload_messages.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace sekisho::gateway {

class SessionHooks;

class ProcessSupervisor {
 public:
  struct Options {
    std::string executable;   // sekishod itself (/proc/self/exe)
    std::string config_path;  // handed to the children, which read it before dropping privileges
    std::string log_level;    // empty: the configuration's
    unsigned workers = 1;
    // [hooks]: when set, a session's first tunnel is handed to the worker only once the
    // connect hook passed (hook_runner.h). Must outlive the supervisor.
    SessionHooks* hooks = nullptr;
  };

  // `secmod_link` is main's end of its link to the security module, replaced on each restart.
  // `limits` (main's admission counts) must outlive the supervisor.
  ProcessSupervisor(boost::asio::io_context& io, SessionService& service, SessionRegistry& registry,
                    net::ScopedFd& secmod_link, ConnectionLimits& limits, Options options,
                    LogSink& sink);
  ~ProcessSupervisor();
  ProcessSupervisor(const ProcessSupervisor&) = delete;
  ProcessSupervisor& operator=(const ProcessSupervisor&) = delete;

  // Starts the security module, then the workers. Errors: kIo (socketpair, fork).
  Result<void> Start(std::uint16_t dtls_port);
  // Gives accepted connection `id` (admitted in the limits) to the next worker (round robin
  // over the live ones). Returns false when no worker took it: the caller closes it and
  // releases it from the limits.
  bool HandOver(boost::asio::ip::tcp::socket socket, std::uint64_t id);
  // Asks the workers to log their clients off and exit; the destructor reaps every child.
  void Shutdown();
  // Sends a reloaded configuration to every live worker, and to each worker started later.
  // Returns how many workers it was sent to now.
  std::size_t SendConfig(const proto::ipc::ConfigUpdate& update);

  std::vector<pid_t> worker_pids() const;
  pid_t secmod_pid() const;
  // Children that died while the gateway ran and were restarted (or are about to be).
  std::uint64_t worker_restarts() const;
  std::uint64_t secmod_restarts() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sekisho::gateway
