#pragma once
// ControlServer: the gateway end of the sekishoctl admin socket (docs/protocol/ctl.md).
//
// Listens on a Unix stream socket (mode 0600, so only the gateway's user, normally root, can
// use it). Each connection may send any number of requests; each gets one response, in order.
// Connections idle for 30 s are closed and at most 16 are served at once. All Asio calls use
// error_code overloads; nothing here throws.
//
// Thread-affinity: everything, including the ControlHandler calls, runs on the io_context
// passed in. Start/Stop must be called on that thread (or before it runs).

#include "base/bytes.h"
#include "base/log.h"
#include "base/result.h"
#include "proto/ctl/messages.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sekisho::gateway {

// Implemented by the gateway's session registry. Called on the io_context thread; must not
// block for long (every control client waits on it).
class ControlHandler {
 public:
  virtual ~ControlHandler() = default;
  virtual proto::ctl::StatusInfo Status() = 0;
  virtual std::vector<proto::ctl::SessionInfo> Sessions() = 0;
  // Ends the session with `id` (gateway-initiated: the client must not reconnect). False when
  // no such session exists.
  virtual bool Disconnect(std::uint64_t id) = 0;
  // Every address and user the login throttle blocks now.
  virtual std::vector<proto::ctl::BanInfo> Bans() = 0;
  // Lifts the block on an address (any address of a blocked IPv6 /64 lifts the /64) or a
  // user, forgetting its failures. False when the throttle had no record of it.
  virtual bool LiftBan(proto::ctl::BanScope scope, std::string_view key) = 0;
  // Ends every session of `user` (each as Disconnect does, cookie invalidated) and returns
  // how many. The default disconnects, one by one, the sessions Sessions() lists for the user.
  virtual std::uint64_t TerminateUser(std::string_view user);
  // `sekishoctl reload` (ReloadRequest): re-reads the configuration. The default answers
  // kNotSupported; the gateway overrides it where it can reload.
  virtual proto::ctl::ReloadResponse ReloadFromControl();
};

// Decodes one request payload, calls `handler` and returns the encoded response frame. Never
// fails: undecodable requests get an ErrorResponse, oversized answers an ErrorResponse with
// Status::kTooLarge. Exposed for tests; the server uses it for every frame.
Bytes HandleControlRequest(ControlHandler& handler, ByteSpan payload);

class ControlServer {
 public:
  static constexpr std::size_t kMaxConnections = 16;
  static constexpr int kIdleTimeoutSeconds = 30;

  // `handler` must outlive the server.
  ControlServer(boost::asio::io_context& io, ControlHandler& handler, Logger log = {});
  // Stops (closes the socket and all connections, unlinks the path).
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Binds `socket_path` and starts accepting. A stale socket file left by a crashed gateway is
  // removed; a socket that still accepts connections is not touched.
  // Errors: kInvalidArgument when the path is too long for sockaddr_un; kExhausted when
  // another process is listening on the path; kIo for anything else (bind, chmod, listen,
  // a non-socket file in the way). The caller refuses to start.
  Result<void> Start(const std::string& socket_path);
  // Idempotent.
  void Stop();

  std::size_t connection_count() const { return connections_.size(); }

 private:
  class Connection;
  void Accept();
  void Forget(Connection* connection);

  boost::asio::io_context& io_;
  ControlHandler& handler_;
  Logger log_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::string path_;
  // Pending accept handlers may run after destruction; they check this flag first.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_;
};

}  // namespace sekisho::gateway
