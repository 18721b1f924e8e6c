#pragma once
// TunDevice: one Linux TUN interface (layer 3, IFF_TUN | IFF_NO_PI), owned through its fd.
//
// Each Read returns exactly one IP packet and each Write injects exactly one; there is no
// packet-information prefix. The fd is non-blocking, so the owner polls it (or wraps fd() in
// an Asio posix::stream_descriptor) and calls Read until kWouldBlock. The interface exists as
// long as the fd is open: destroying the TunDevice removes it, together with its addresses and
// routes. Opening requires CAP_NET_ADMIN in the current network namespace.
//
// Configuration (addresses, MTU, link up) is separate: see net/tun_config.h.
// Thread-affinity: none inside; one reader and one writer may use the fd concurrently, as the
// kernel allows, but the object itself must not be moved while in use.

#include "base/bytes.h"
#include "base/result.h"
#include "net/scoped_fd.h"

#include <cstddef>
#include <string>

namespace sekisho::net {

struct TunOptions {
  // Requested interface name, at most 15 characters. A "%d" in it lets the kernel pick the
  // first free number ("sk%d" -> "sk0"). Empty lets the kernel choose ("tun%d").
  std::string name;
  // IFF_VNET_HDR: every packet read or written is prefixed with a struct virtio_net_hdr
  // (kVirtioNetHdrSize bytes) and the kernel may hand over GSO super-packets and partial
  // checksums (TUNSETOFFLOAD with CSUM, TSO4, TSO6). For later GSO/GRO offload work; callers
  // that enable it must handle the header themselves. Default off.
  bool vnet_hdr = false;
};

class TunDevice {
 public:
  // Size of the virtio_net_hdr prefix when TunOptions::vnet_hdr is set.
  static constexpr std::size_t kVirtioNetHdrSize = 10;

  // Creates the interface. It starts down, without addresses.
  // Errors: kPermission (no CAP_NET_ADMIN), kNotFound (/dev/net/tun missing),
  //         kInvalidArgument (name too long or already used by a non-TUN device),
  //         kIo (anything else, errno text in the context).
  static Result<TunDevice> Open(const TunOptions& options);

  // Adopts an already configured TUN fd (e.g. one created by a privileged parent and passed
  // on), learning its name and flags with TUNGETIFF. The fd is switched to non-blocking.
  // ifindex() is 0 when this process may not open the socket the lookup needs (a worker).
  // Errors: kInvalidArgument (not a TUN/TAP fd or not IFF_TUN), kIo.
  static Result<TunDevice> FromFd(ScopedFd fd);

  // A stand-in for tests: any packet-preserving fd (a SOCK_SEQPACKET socket pair end) under a
  // made-up name, so that code handing TUN devices around can run without CAP_NET_ADMIN.
  static TunDevice ForTest(ScopedFd fd, std::string name) {
    return TunDevice(std::move(fd), std::move(name), 0, false);
  }

  TunDevice(TunDevice&&) noexcept = default;
  TunDevice& operator=(TunDevice&&) noexcept = default;
  ~TunDevice() = default;

  int fd() const { return fd_.get(); }
  const std::string& name() const { return name_; }
  int ifindex() const { return ifindex_; }
  bool vnet_hdr() const { return vnet_hdr_; }

  // Reads one packet into `buffer` and returns its length. A packet longer than the buffer is
  // truncated by the kernel, so size the buffer to MTU (+ kVirtioNetHdrSize with vnet_hdr; up
  // to 64 KiB with offloads on).
  // Errors: kWouldBlock (no packet queued: wait for readability), kIo (device gone or other
  //         errno; close the tunnel).
  Result<std::size_t> Read(MutableByteSpan buffer);

  // Injects one packet as if it had arrived on the interface.
  // Errors: kWouldBlock (kernel queue full: drop or retry later), kMalformed (the kernel
  //         rejected the packet, e.g. not IPv4/IPv6: drop it), kIo (e.g. EIO when the link is
  //         down: drop; other errno: close the tunnel).
  Result<void> Write(ByteSpan packet);

 private:
  TunDevice(ScopedFd fd, std::string name, int ifindex, bool vnet_hdr)
      : fd_(std::move(fd)), name_(std::move(name)), ifindex_(ifindex), vnet_hdr_(vnet_hdr) {}

  ScopedFd fd_;
  std::string name_;
  int ifindex_ = 0;
  bool vnet_hdr_ = false;
};

}  // namespace sekisho::net
