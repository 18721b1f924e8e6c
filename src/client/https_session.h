#pragma once
// The client's TLS connections before the tunnel: one TCP connection to the gateway with a
// sans-I/O tls::TlsEngine on top, used for HTTP/1.1 request/response exchanges (login,
// downloader, CONNECT). I/O is blocking with a deadline: the socket is non-blocking and every
// wait is a poll() bounded by the caller's timeout, so a silent gateway never hangs the client.
//
//   auto conn = TlsConnection::Open(io, "vpn.example.com", 443, creds, seconds(15), log);
//   if (!conn) { ... kUntrusted: conn->verify_result() is not reachable, see OpenResult }
//   HttpsSession http(std::move(*conn));
//   Result<HttpResponse> r = http.Exchange(request, seconds(30));
//
// After a successful CONNECT the connection (socket + engine) is handed to the tunnel with
// HttpsSession::Release(); any plaintext already received after the CONNECT head (normally
// none: the first CSTP frame starts a new record) is returned with it.
//
// Thread affinity: one thread. Nothing here logs secrets: the request headers may hold the
// webvpn cookie and are never logged.

#include "base/bytes.h"
#include "base/log.h"
#include "base/result.h"
#include "base/time.h"
#include "proto/http/message.h"
#include "proto/http/response_reader.h"
#include "tls/credentials.h"
#include "tls/engine.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace sekisho::client {

// A TCP connection with an established TLS session.
class TlsConnection {
 public:
  struct OpenFailure {
    Error error;
    // Set when the handshake got as far as verifying the server certificate.
    std::optional<tls::VerifyResult> verify;
  };

  // Resolves `host`, connects (first address that answers), and runs the TLS handshake, all
  // within `timeout`. `host` is also the name checked against the certificate.
  // Errors (in OpenFailure::error): kIo (resolve/connect), kTimeout, kUntrusted (certificate
  // rejected: OpenFailure::verify says why and which pin would accept it), kTls, kClosed.
  static std::unique_ptr<TlsConnection> Open(boost::asio::io_context& io, const std::string& host,
                                             std::uint16_t port,
                                             std::shared_ptr<const tls::ClientCredentials> creds,
                                             Duration timeout, const Logger& log,
                                             OpenFailure* failure);

  tls::TlsEngine& engine() { return *engine_; }
  boost::asio::ip::tcp::socket& socket() { return socket_; }
  // "198.18.0.1" (the address actually connected to).
  const std::string& peer_ip() const { return peer_ip_; }

  // Sends everything the engine has pending. Errors: kTimeout, kIo.
  Result<void> FlushAll(Instant deadline);
  // Waits for socket bytes and feeds them to the engine. Errors: kTimeout, kIo, kClosed (EOF).
  Result<void> ReadMore(Instant deadline);

  TlsConnection(boost::asio::ip::tcp::socket socket, std::unique_ptr<tls::TlsEngine> engine,
                std::string peer_ip);

 private:
  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<tls::TlsEngine> engine_;
  std::string peer_ip_;
  std::array<std::uint8_t, 16384> read_buffer_{};
};

// HTTP/1.1 over one TlsConnection.
class HttpsSession {
 public:
  explicit HttpsSession(std::unique_ptr<TlsConnection> connection);

  // Sends `request` (serialized with proto::http::SerializeRequest, each piece as its own
  // record) and reads the whole response. For CONNECT the response ends at the blank line.
  // Errors: kTimeout, kIo, kClosed (the server closed before answering: reconnect and retry),
  //         kMalformed/kTooLarge (bad response), kTls. The session is unusable after an error.
  Result<proto::http::HttpResponse> Exchange(const proto::http::HttpRequest& request,
                                             Duration timeout);

  // False once the server said "Connection: close"/HTTP 1.0 or an exchange failed.
  bool reusable() const { return reusable_; }
  TlsConnection& connection() { return *connection_; }

  // Hands the connection over (after a 200 CONNECT). `leftover` receives decrypted bytes that
  // followed the response head.
  std::unique_ptr<TlsConnection> Release(Bytes* leftover);

 private:
  std::unique_ptr<TlsConnection> connection_;
  proto::http::ResponseReader reader_;
  Bytes plain_;  // decrypted bytes not yet consumed by the reader
  bool reusable_ = true;
  std::array<std::uint8_t, 16384 + 256> record_{};
};

// Monotonic now for the I/O shell (the only place the client reads the clock, besides the
// tunnel's timers).
Instant ClientNow();

}  // namespace sekisho::client
