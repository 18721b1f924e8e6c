#pragma once
// The security module (sec-mod) of sekishod (docs/architecture.md): the only process that
// reads the TLS private key and the password file. It answers two questions and nothing else:
//   from workers:  "sign these handshake bytes"        (SignRequest -> SignReply)
//   from main:     "is this password right / may this user use that group / is it locked"
//                                                       (CredentialRequest -> CredentialReply)
// A worker's link can only ask for signatures; credential questions are answered on main's
// link alone. It holds no session state: main restarts it after a crash and nothing is lost.
// Core dumps are off and the process is not dumpable.
//
// Links to workers arrive from main as kSecModLink messages carrying the socket.
// RunSecMod() returns the exit code when main's link closes.

#include "base/log.h"
#include "gateway/config.h"

namespace sekisho::gateway {

struct SecModOptions {
  int main_fd = 3;  // SOCK_SEQPACKET link to main
};

int RunSecMod(const GatewayConfig& config, const SecModOptions& options, LogSink& sink);

}  // namespace sekisho::gateway
