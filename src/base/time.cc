#include "base/time.h"

namespace sekisho {
namespace {

class SteadyClockImpl final : public Clock {
 public:
  Instant Now() const override {
    auto ns =
        std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch());
    return Instant::FromNanos(ns.count());
  }
};

}  // namespace

const Clock& SteadyClock() {
  static const SteadyClockImpl clock;
  return clock;
}

}  // namespace sekisho
