#pragma once
// A sekishod worker process (docs/architecture.md): it serves many clients on one event loop —
// TLS, HTTP, the aggregate-auth XML, CSTP and DTLS — and owns no secret of the gateway. It
// runs as an unprivileged user with no capabilities under a seccomp allow-list; everything
// that needs privileges or secrets comes from elsewhere:
//   accepted TCP connections, TUN devices, DTLS sockets  <- main, over the main link (fds)
//   logins, CONNECT grants                                <- main (SessionBackend over IPC)
//   handshake signatures with the private key            <- the security module
//
// RunWorker() blocks until main sends kShutdown, the main link breaks (main died: every
// tunnel ends with it), or SIGTERM/SIGINT; it returns the process exit code.

#include "base/log.h"
#include "gateway/config.h"

#include <cstdint>

namespace sekisho::gateway {

struct WorkerOptions {
  int index = 0;                // for logs
  std::uint16_t dtls_port = 0;  // 0: DTLS off
  int main_fd = 3;              // SOCK_SEQPACKET link to main
  int secmod_fd = 4;            // SOCK_SEQPACKET link to the security module
  bool sandbox = true;          // drop privileges and install the syscall filter
};

int RunWorker(const GatewayConfig& config, const WorkerOptions& options, LogSink& sink);

}  // namespace sekisho::gateway
