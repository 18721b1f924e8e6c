#include "gateway/dtls_listener.h"

#include "proto/dtls/client_hello.h"

namespace sekisho::gateway {

namespace asio = boost::asio;

DtlsListener::DtlsListener(asio::io_context& io, SessionRegistry& registry, Logger log)
    : registry_(registry), log_(std::move(log)), socket_(io) {}

Result<void> DtlsListener::Start(const asio::ip::udp::endpoint& endpoint) {
  boost::system::error_code ec;
  socket_.open(endpoint.protocol(), ec);
  // Per-session sockets bind the same address and port (DtlsChannel).
  if (!ec) {
    socket_.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    socket_.bind(endpoint, ec);
  }
  if (ec) {
    return Fail(Errc::kIo, "cannot listen on UDP " + endpoint.address().to_string() + ":" +
                               std::to_string(endpoint.port()) + ": " + ec.message());
  }
  port_ = socket_.local_endpoint(ec).port();
  Receive();
  return Ok();
}

void DtlsListener::Stop() {
  boost::system::error_code ec;
  socket_.close(ec);
}

void DtlsListener::Receive() {
  socket_.async_receive_from(asio::buffer(buffer_), sender_,
                             [this](const boost::system::error_code& ec, std::size_t size) {
                               if (ec == asio::error::operation_aborted) {
                                 return;
                               }
                               if (!ec) {
                                 OnDatagram(size);
                               }
                               Receive();
                             });
}

void DtlsListener::OnDatagram(std::size_t size) {
  ByteSpan datagram(buffer_.data(), size);
  std::optional<ByteSpan> id = proto::dtls::ExtractClientHelloSessionId(datagram);
  if (!id) {
    // Not a ClientHello (a client behind a NAT that changed its port, or noise).
    log_.Debug("dropping {}-byte datagram from {}: not a DTLS ClientHello", size,
               sender_.address().to_string());
    return;
  }
  Session* session = registry_.FindByDtlsSessionId(*id);
  if (session == nullptr || session->tunnel == nullptr) {
    log_.Debug("dropping DTLS ClientHello from {}: no live tunnel for its session id",
               sender_.address().to_string());
    return;
  }
  session->tunnel->OnDtlsClientHello(sender_, datagram);
}

}  // namespace sekisho::gateway
