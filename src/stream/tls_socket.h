#pragma once
// TlsSocket: a nonblocking TCP socket carrying a tls::TlsEngine. It moves ciphertext between
// the two and nothing else; records, the handshake and what they mean stay with the owner (the
// gateway's Connection and GatewayTunnel, the client's Tunnel):
//
//   socket --read_some, rounds of up to kReadSize--> engine.FeedIncoming    ReadAvailable()
//   engine.PendingOutgoing --write_some until would-block--> socket          Flush()
//   unsent engine bytes + SIOCOUTQ (what the peer has not acknowledged)     Backlog()
//
// Reads are readiness-driven: WaitReadable() arms one wait and the owner calls ReadAvailable()
// from its handler. A Flush() that meets a full socket buffer arms one writability wait and
// reports "blocked" until it fires; owners pause their producers (the TUN) meanwhile.
//
// Ownership and lifetime: borrows the socket and the engine, which must outlive it (the owner
// holds all three). The owner's handlers passed to WaitReadable()/Flush() must keep the owner
// alive or check that it is (shared_from_this(), a weak token), as with any Asio handler; this
// object's own part of a handler does nothing once it is destroyed. Cancelling or closing the
// socket ends the waits: the owner's handler is then not called.
//
// Allocation: one kReadSize read buffer per thread, shared by every TlsSocket on it (the engine
// copies what it is fed, so the buffer is free again once a read returns; an idle connection
// costs no read buffer); nothing per read, write or packet.
// Thread affinity: the socket's io_context thread.

#include "base/bytes.h"
#include "base/result.h"
#include "tls/engine.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

namespace sekisho::stream {

class TlsSocket {
 public:
  // Bytes per read, and reads per ReadAvailable(): bounded so that one busy peer cannot starve
  // the others on the same thread.
  static constexpr std::size_t kReadSize = 65536;
  static constexpr int kMaxReadRounds = 8;

  // REQUIRES: `socket` is open and nonblocking; no wait is pending on it.
  TlsSocket(boost::asio::ip::tcp::socket& socket, tls::TlsEngine& engine);
  ~TlsSocket();
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;

  // Arms one wait for readability that calls on_readable() (with no arguments) once the socket
  // has bytes or EOF; not when the wait was cancelled. No-op while a wait is already armed.
  template <typename OnReadable>
  void WaitReadable(OnReadable&& on_readable);
  bool read_armed() const { return read_armed_; }

  // Reads what the kernel holds into the engine: up to kMaxReadRounds reads of up to kReadSize
  // bytes, calling on_data() (returns bool) after each so that the owner decrypts what arrived
  // before the engine buffers more. Stops at would-block, after a short read, or when on_data()
  // returns false (the owner is done or busy). Returns the bytes fed (0: nothing to read).
  // Errors (the connection is dead: the owner closes it; bytes fed before the error were
  // already handed to on_data()):
  //   kClosed  the peer closed the TCP connection (EOF);
  //   kIo      a socket error; the context is its text (strerror-like, e.g. "Connection reset
  //            by peer"), which owners log as is.
  template <typename OnData>
  Result<std::size_t> ReadAvailable(OnData&& on_data);
  // One read of up to kReadSize bytes fed to the engine. Returns the bytes fed, 0 when the
  // socket would block. Errors: as ReadAvailable.
  Result<std::size_t> ReadOnce();

  // Writes what the engine holds until it is all sent or the socket would block. Returns false
  // when everything was sent, true when blocked: one writability wait is then armed, which calls
  // on_writable() (no arguments) when the socket can take more (not when it was cancelled); the
  // owner flushes again from there. While blocked, Flush() writes nothing and returns true.
  // Errors: kIo, context = the socket error's text (the connection is dead: close it).
  template <typename OnWritable>
  Result<bool> Flush(OnWritable&& on_writable);
  bool blocked() const { return blocked_; }
  // Bytes the engine holds that the kernel has not taken yet (what an unread peer costs us).
  std::size_t unsent() const { return engine_.PendingOutgoing().size(); }
  // Every byte handed to the kernel so far: it grows whenever the peer makes room.
  std::uint64_t bytes_sent() const { return bytes_sent_; }

  // What the peer has not acknowledged yet: unsent engine bytes, 1 while blocked (so a blocked
  // socket never reads as drained), and SIOCOUTQ (bytes in the TCP send queue not yet
  // acknowledged). 0 means every byte handed to the engine so far has reached the peer's TCP.
  std::size_t Backlog() const;

 private:
  // Writes until empty (false) or would-block (true, and sets blocked_).
  Result<bool> WritePending();

  boost::asio::ip::tcp::socket& socket_;
  tls::TlsEngine& engine_;
  bool read_armed_ = false;
  bool blocked_ = false;
  std::uint64_t bytes_sent_ = 0;
  // Handlers hold a weak reference: once this object is gone, late handlers return.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

// ---------------------------------------------------------------- templates

template <typename OnReadable>
void TlsSocket::WaitReadable(OnReadable&& on_readable) {
  if (read_armed_) {
    return;
  }
  read_armed_ = true;
  socket_.async_wait(
      boost::asio::socket_base::wait_read,
      [this, alive = std::weak_ptr<int>(alive_), handler = std::forward<OnReadable>(on_readable)](
          const boost::system::error_code& ec) mutable {
        if (alive.expired()) {
          return;
        }
        read_armed_ = false;
        if (!ec) {
          handler();
        }
      });
}

template <typename OnData>
Result<std::size_t> TlsSocket::ReadAvailable(OnData&& on_data) {
  std::size_t total = 0;
  for (int round = 0; round < kMaxReadRounds; ++round) {
    Result<std::size_t> n = ReadOnce();
    if (!n) {
      return n;
    }
    if (*n == 0) {
      break;
    }
    total += *n;
    if (!on_data() || *n < kReadSize) {
      break;
    }
  }
  return total;
}

template <typename OnWritable>
Result<bool> TlsSocket::Flush(OnWritable&& on_writable) {
  if (blocked_) {
    return true;
  }
  Result<bool> blocked = WritePending();
  if (blocked && *blocked) {
    socket_.async_wait(
        boost::asio::socket_base::wait_write,
        [this, alive = std::weak_ptr<int>(alive_), handler = std::forward<OnWritable>(on_writable)](
            const boost::system::error_code& ec) mutable {
          if (alive.expired()) {
            return;
          }
          blocked_ = false;
          if (!ec) {
            handler();
          }
        });
  }
  return blocked;
}

}  // namespace sekisho::stream
