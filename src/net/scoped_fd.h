#pragma once
// ScopedFd: sole owner of one POSIX file descriptor, closed on destruction (move-only).
//
// Used for every fd the net layer creates (TUN, netlink, sockets) so that an early return on an
// error path can never leak one. A default-constructed or moved-from ScopedFd holds -1.
// Not thread-safe; like the fd it wraps, an instance belongs to one owner at a time.

#include <unistd.h>
#include <utility>

namespace sekisho::net {

class ScopedFd {
 public:
  ScopedFd() = default;
  // Takes ownership of `fd` (which may be -1).
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() { reset(); }

  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.release()) {}
  ScopedFd& operator=(ScopedFd&& other) noexcept {
    if (this != &other) {
      reset(other.release());
    }
    return *this;
  }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

  // Gives up ownership without closing; the caller now owns the returned fd.
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }

  // Closes the current fd (if any) and takes ownership of `fd`. close() errors are ignored:
  // after close() the fd is gone whatever it returns (POSIX leaves EINTR unspecified and Linux
  // always releases it), so retrying could close an fd another thread just opened.
  void reset(int fd = -1) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace sekisho::net
