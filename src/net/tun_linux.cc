#include "net/tun_linux.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <utility>

namespace sekisho::net {
namespace {

// sizeof(struct virtio_net_hdr); <linux/virtio_net.h> itself cannot be included from C++ (it
// has a field named `class`).
constexpr int kVirtioNetHdrSizeInt = static_cast<int>(TunDevice::kVirtioNetHdrSize);

constexpr const char* kTunPath = "/dev/net/tun";

Unexpected<Error> ErrnoFail(Errc code, std::string_view what, int err) {
  return Fail(code, fmt::format("{}: {}", what, std::strerror(err)));
}

Errc ErrcForOpen(int err) {
  switch (err) {
    case EPERM:
    case EACCES: return Errc::kPermission;
    case ENOENT:
    case ENODEV: return Errc::kNotFound;
    case EINVAL:
    case EBUSY: return Errc::kInvalidArgument;
    default: return Errc::kIo;
  }
}

Result<int> IfIndexOf(const std::string& name) {
  const unsigned index = ::if_nametoindex(name.c_str());
  if (index == 0) {
    return ErrnoFail(Errc::kIo, fmt::format("if_nametoindex({})", name), errno);
  }
  return static_cast<int>(index);
}

Result<void> EnableOffloads(int fd) {
  int header_size = kVirtioNetHdrSizeInt;
  if (::ioctl(fd, TUNSETVNETHDRSZ, &header_size) < 0) {
    return ErrnoFail(Errc::kIo, "TUNSETVNETHDRSZ", errno);
  }
  // With a vnet header the kernel may pass packets whose checksum is left for us (CSUM) and
  // TCP super-segments (TSO); without TUNSETOFFLOAD it segments everything itself and the
  // header would carry nothing.
  const unsigned long offloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
  if (::ioctl(fd, TUNSETOFFLOAD, offloads) < 0) {
    return ErrnoFail(Errc::kIo, "TUNSETOFFLOAD", errno);
  }
  return Ok();
}

}  // namespace

Result<TunDevice> TunDevice::Open(const TunOptions& options) {
  if (options.name.size() >= IFNAMSIZ) {
    return Fail(Errc::kInvalidArgument, fmt::format("tun name too long: {}", options.name));
  }
  ScopedFd fd(::open(kTunPath, O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) {
    const int err = errno;
    return ErrnoFail(ErrcForOpen(err), fmt::format("open {}", kTunPath), err);
  }

  struct ifreq ifr {};
  ifr.ifr_flags = static_cast<short>(IFF_TUN | IFF_NO_PI | (options.vnet_hdr ? IFF_VNET_HDR : 0));
  std::memcpy(ifr.ifr_name, options.name.data(), options.name.size());
  if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) {
    const int err = errno;
    return ErrnoFail(ErrcForOpen(err), fmt::format("TUNSETIFF {}", options.name), err);
  }
  if (options.vnet_hdr) {
    SEKISHO_TRY(EnableOffloads(fd.get()));
  }

  std::string name(ifr.ifr_name, ::strnlen(ifr.ifr_name, IFNAMSIZ));
  SEKISHO_ASSIGN_OR_RETURN(int ifindex, IfIndexOf(name));
  return TunDevice(std::move(fd), std::move(name), ifindex, options.vnet_hdr);
}

Result<TunDevice> TunDevice::FromFd(ScopedFd fd) {
  struct ifreq ifr {};
  if (::ioctl(fd.get(), TUNGETIFF, &ifr) < 0) {
    const int err = errno;
    return ErrnoFail(
        err == EBADFD || err == EINVAL || err == ENOTTY ? Errc::kInvalidArgument : Errc::kIo,
        "TUNGETIFF", err);
  }
  if ((ifr.ifr_flags & IFF_TUN) == 0) {
    return Fail(Errc::kInvalidArgument, "fd is a TAP device, not TUN");
  }
  if ((ifr.ifr_flags & IFF_NO_PI) == 0) {
    return Fail(Errc::kInvalidArgument, "TUN fd lacks IFF_NO_PI");
  }
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) < 0) {
    return ErrnoFail(Errc::kIo, "fcntl O_NONBLOCK", errno);
  }
  std::string name(ifr.ifr_name, ::strnlen(ifr.ifr_name, IFNAMSIZ));
  // The lookup needs a socket, which a sandboxed worker cannot open; it only reads and writes
  // packets, so the index is left 0 there.
  Result<int> ifindex = IfIndexOf(name);
  return TunDevice(std::move(fd), std::move(name), ifindex.value_or(0),
                   (ifr.ifr_flags & IFF_VNET_HDR) != 0);
}

Result<std::size_t> TunDevice::Read(MutableByteSpan buffer) {
  while (true) {
    const ssize_t n = ::read(fd_.get(), buffer.data(), buffer.size());
    if (n >= 0) {
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return Fail(Errc::kWouldBlock);
    }
    return ErrnoFail(Errc::kIo, fmt::format("read {}", name_), errno);
  }
}

Result<void> TunDevice::Write(ByteSpan packet) {
  while (true) {
    const ssize_t n = ::write(fd_.get(), packet.data(), packet.size());
    if (n >= 0) {
      // tun_get_user() consumes the whole packet or fails; a short count cannot happen.
      return Ok();
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return Fail(Errc::kWouldBlock);
    }
    if (errno == EINVAL) {
      return ErrnoFail(Errc::kMalformed, fmt::format("write {}", name_), errno);
    }
    return ErrnoFail(Errc::kIo, fmt::format("write {}", name_), errno);
  }
}

}  // namespace sekisho::net
