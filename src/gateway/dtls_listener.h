#pragma once
// DtlsListener: the gateway's UDP port (listen.address:listen.port). It only sees a client's
// first datagrams: it reads the session id from a DTLS ClientHello (§8.3: the X-DTLS-Session-ID
// or X-DTLS-App-ID the gateway handed out), finds the session's live tunnel and hands the
// datagram over; the tunnel then opens its own connected UDP socket (DtlsChannel). Anything it
// cannot map is dropped with a debug line, without disturbing any session.
//
// Thread affinity: the gateway's io_context thread.

#include "base/log.h"
#include "base/result.h"
#include "gateway/session_registry.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <array>
#include <cstdint>

namespace sekisho::gateway {

class DtlsListener {
 public:
  DtlsListener(boost::asio::io_context& io, SessionRegistry& registry, Logger log);

  // Errors: kIo (address in use, permission).
  Result<void> Start(const boost::asio::ip::udp::endpoint& endpoint);
  void Stop();
  std::uint16_t port() const { return port_; }

 private:
  void Receive();
  void OnDatagram(std::size_t size);

  SessionRegistry& registry_;
  Logger log_;
  boost::asio::ip::udp::socket socket_;
  boost::asio::ip::udp::endpoint sender_;
  std::uint16_t port_ = 0;
  std::array<std::uint8_t, 16384 + 64> buffer_{};
};

}  // namespace sekisho::gateway
