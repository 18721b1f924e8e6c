#include "gateway/ipc_link.h"

#include "net/packet_socket_linux.h"

#include <utility>

namespace sekisho::gateway {

namespace asio = boost::asio;

IpcLink::IpcLink(asio::io_context& io, net::ScopedFd socket, OnMessage on_message,
                 OnClosed on_closed)
    : stream_(io, socket.release()),
      on_message_(std::move(on_message)),
      on_closed_(std::move(on_closed)) {}

IpcLink::~IpcLink() {
  *alive_ = false;
  boost::system::error_code ec;
  stream_.cancel(ec);
  stream_.close(ec);
}

void IpcLink::Start() { Arm(); }

Result<void> IpcLink::Send(const proto::ipc::Message& message, int passed_fd) {
  if (!open_) {
    return sekisho::Fail(Errc::kClosed, "IPC link closed");
  }
  SEKISHO_ASSIGN_OR_RETURN(Bytes payload, message.Encode());
  return net::SendPacket(stream_.native_handle(), payload, passed_fd);
}

void IpcLink::Arm() {
  if (!open_) {
    return;
  }
  stream_.async_wait(
      asio::posix::stream_descriptor::wait_read,
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (alive.expired() || ec) {
          return;
        }
        Drain();
      });
}

void IpcLink::Drain() {
  std::weak_ptr<bool> alive = alive_;
  // Bounded, so that one busy peer cannot starve the rest of the event loop.
  for (int i = 0; i < 64 && open_; ++i) {
    Result<net::ReceivedPacket> packet = net::ReceivePacket(stream_.native_handle());
    if (!packet) {
      if (packet.error().code != Errc::kWouldBlock) {
        Fail(packet.error().ToString());
        return;
      }
      break;
    }
    Result<proto::ipc::Message> message = proto::ipc::Decode(packet->payload);
    if (!message) {
      Fail("undecodable message: " + message.error().ToString());
      return;
    }
    on_message_(std::move(*message), std::move(packet->fd));
    if (alive.expired()) {
      return;  // the handler destroyed the link
    }
  }
  Arm();
}

void IpcLink::Fail(const std::string& reason) {
  if (!open_) {
    return;
  }
  open_ = false;
  std::weak_ptr<bool> alive = alive_;
  on_closed_(reason);
  if (!alive.expired()) {
    boost::system::error_code ec;
    stream_.cancel(ec);
  }
}

}  // namespace sekisho::gateway
