#pragma once
// Time as a value. The protocol core never reads a clock: callers pass `Instant now` in and read
// deadlines out. Only the I/O shells turn steady_clock readings into Instants (via Clock).

#include <chrono>
#include <cstdint>

namespace sekisho {

using Duration = std::chrono::nanoseconds;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// A point on a monotonic timeline with an arbitrary origin.
class Instant {
 public:
  constexpr Instant() = default;
  static constexpr Instant FromNanos(std::int64_t ns) { return Instant(Duration(ns)); }
  static constexpr Instant Max() { return Instant(Duration::max()); }

  constexpr Duration since_origin() const { return since_origin_; }

  friend constexpr Instant operator+(Instant t, Duration d) { return Instant(t.since_origin_ + d); }
  friend constexpr Instant operator-(Instant t, Duration d) { return Instant(t.since_origin_ - d); }
  friend constexpr Duration operator-(Instant a, Instant b) {
    return a.since_origin_ - b.since_origin_;
  }
  Instant& operator+=(Duration d) {
    since_origin_ += d;
    return *this;
  }
  friend constexpr auto operator<=>(Instant a, Instant b) = default;

 private:
  constexpr explicit Instant(Duration d) : since_origin_(d) {}
  Duration since_origin_{0};
};

// Source of Instants for the shells; tests use testutil::FakeClock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant Now() const = 0;
};

// Returns a process-wide Clock backed by std::chrono::steady_clock.
const Clock& SteadyClock();

}  // namespace sekisho
