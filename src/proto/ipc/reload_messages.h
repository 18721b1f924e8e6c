#pragma once
// The messages of a configuration reload (SIGHUP, `sekishoctl reload`; docs/ipc.md "Reload"):
//
//   main -> sec-mod   KeyReload -> KeyReloadReply   load the key and the password file anew
//   main -> worker    ConfigUpdate                   the accepted configuration and the
//                                                    certificate chain, as bytes (a worker
//                                                    cannot open files any more)
//
// From*() treat the message as hostile like the others in messages.h; a worker never sends
// these, and main and sec-mod refuse them from a worker.

#include "base/bytes.h"
#include "base/result.h"
#include "proto/ipc/message.h"

#include <cstdint>
#include <string>

namespace sekisho::proto::ipc {

// main -> worker. The worker parses `config_text` as if it were the file `source` and serves
// new connections with `certificate_pem` (and `ca_pem` for client certificates, empty when
// none). Tunnels and connections that are up keep what they started with.
struct ConfigUpdate {
  std::uint64_t generation = 0;  // 1 for the first reload, +1 for each one after
  std::string source;            // the configuration file's path (relative paths, messages)
  std::string config_text;
  std::string certificate_pem;
  std::string ca_pem;

  Message ToMessage() const;
  static Result<ConfigUpdate> FromMessage(const Message& message);
};

// main -> sec-mod: read `private_key` and `password_file` again. `expected_key_id` is the
// SHA-256 key id (lower-case hex) of the certificate main will hand to the workers; sec-mod
// keeps its old key unless the new one has that id, so a key that does not match the
// certificate never goes live.
struct KeyReload {
  std::uint32_t request_id = 0;
  std::string private_key;    // path
  std::string password_file;  // path; empty = no password authentication
  std::string expected_key_id;

  Message ToMessage() const;
  static Result<KeyReload> FromMessage(const Message& message);
};

struct KeyReloadReply {
  std::uint32_t request_id = 0;
  bool ok = false;
  std::string error;  // when !ok: why (file names, never contents)

  Message ToMessage() const;
  static Result<KeyReloadReply> FromMessage(const Message& message);
};

}  // namespace sekisho::proto::ipc
