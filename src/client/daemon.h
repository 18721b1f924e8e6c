#pragma once
// ServiceMode: what --background, --pid-file, --syslog and --setuid do around the connect
// flow (connect_flow.h), in openconnect's order.
//
//   Detach()      at the start (--background): fork; the parent waits on a pipe and exits 0
//                 once the child says the tunnel is up, or with the child's status if the
//                 child ends first. The child keeps the terminal for the login prompts.
//   OnTunnelUp()  once the TUN is configured:
//                   1. --pid-file FILE gets this process's pid (the one to signal);
//                   2. --background: setsid, stdin/stdout/stderr to /dev/null, tell the parent
//                      (so the command returns with the pid file in place);
//                   3. --syslog: progress and log lines go to syslog (syslog_output.h);
//                   4. --setuid USER: fork. The parent stays root: it forwards SIGINT/SIGTERM/
//                      SIGHUP to the child, waits for it and then returns kSupervisor with the
//                      child's exit status, so that the flow removes the pid files and tears
//                      the TUN down (routes, addresses, script disconnect) as root. The child
//                      drops to USER (privilege_drop.h) and returns kWorker: it runs the tunnel
//                      and must not tear down (IsDroppedChild()).
//   Finish()      removes --pid-file (not in a dropped child: the parent does it).
//
// What cannot work unprivileged (documented in docs/client.md): a reconnect that gets a
// different address or MTU (the child cannot reconfigure the TUN: the session ends and the
// parent tears down), --script on reconnect (runs as USER), and the DTLS MTU switch (a
// warning; the TUN keeps its MTU).
//
// Thread affinity: the flow's thread; single use.

#include "base/log.h"
#include "base/result.h"
#include "client/connect_options.h"

#include <boost/asio/io_context.hpp>

#include <functional>
#include <optional>
#include <sys/types.h>

namespace sekisho::client {

class ServiceMode {
 public:
  enum class Role { kWorker, kSupervisor };
  struct TunnelUp {
    Role role = Role::kWorker;
    int child_status = 0;  // kSupervisor: the exit status to return
  };

  ServiceMode(const ConnectOptions& options, const Logger& log) : options_(options), log_(log) {}
  ServiceMode(const ServiceMode&) = delete;
  ServiceMode& operator=(const ServiceMode&) = delete;

  // Returns only in the process that goes on (the child with --background; this process
  // without). Errors: kIo when pipe/fork fail.
  Result<void> Detach();

  // See above. `release_in_parent` runs in the root parent right after the fork: it drops
  // what only the child uses (the CSTP connection), so that the gateway sees the connection
  // close when the child closes it. Errors: kNotFound (unknown --setuid user), kPermission
  // (dropping failed), kIo.
  Result<TunnelUp> OnTunnelUp(boost::asio::io_context& io,
                              const std::function<void()>& release_in_parent);

  bool IsDroppedChild() const { return dropped_child_; }

  void Finish();

 private:
  void ReportUp();
  Result<TunnelUp> Supervise(pid_t child);

  const ConnectOptions& options_;
  Logger log_;
  int up_pipe_ = -1;  // --background: write end to the waiting parent
  bool dropped_child_ = false;
  bool pid_file_written_ = false;
};

}  // namespace sekisho::client
