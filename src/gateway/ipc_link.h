#pragma once
// IpcLink: one end of a message socket to another sekishod process, on an Asio event loop.
// Incoming messages are decoded (as hostile input: proto::ipc::Decode) and handed to
// `on_message` with the descriptor that came with them; a broken link or an undecodable
// message calls `on_closed` once, after which the link delivers nothing more. Sending is
// synchronous (net::SendPacket: a peer that stops reading fails the send within 2 s).
//
// Thread affinity: the io_context's thread. The callbacks may destroy the link.

#include "base/result.h"
#include "net/scoped_fd.h"
#include "proto/ipc/message.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <functional>
#include <memory>
#include <string>

namespace sekisho::gateway {

class IpcLink {
 public:
  using OnMessage = std::function<void(proto::ipc::Message message, net::ScopedFd fd)>;
  using OnClosed = std::function<void(const std::string& reason)>;

  IpcLink(boost::asio::io_context& io, net::ScopedFd socket, OnMessage on_message,
          OnClosed on_closed);
  ~IpcLink();
  IpcLink(const IpcLink&) = delete;
  IpcLink& operator=(const IpcLink&) = delete;

  void Start();
  // Errors: kTooLarge (a bug: message over the size limit), kClosed / kTimeout / kIo from the
  // socket; the caller treats the peer as broken.
  Result<void> Send(const proto::ipc::Message& message, int passed_fd = -1);
  bool open() const { return open_; }

 private:
  void Arm();
  void Drain();
  void Fail(const std::string& reason);

  boost::asio::posix::stream_descriptor stream_;
  OnMessage on_message_;
  OnClosed on_closed_;
  bool open_ = true;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sekisho::gateway
