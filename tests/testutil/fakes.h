#pragma once
// Deterministic stand-ins for the OS seams of base/: a clock moved by hand, a seeded RNG and a
// log sink that keeps every line (so tests can assert that secrets never reach the logs).

#include "base/log.h"
#include "base/rng.h"
#include "base/time.h"

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace sekisho::testutil {

class FakeClock final : public Clock {
 public:
  Instant Now() const override { return now_; }
  void Advance(Duration d) { now_ += d; }
  void Set(Instant t) { now_ = t; }

 private:
  Instant now_ = Instant::FromNanos(1'000'000'000);
};

// xorshift64*: deterministic for a given seed.
class FakeRng final : public Rng {
 public:
  explicit FakeRng(std::uint64_t seed = 0x5ec1540ULL) : state_(seed ? seed : 1) {}
  void Fill(MutableByteSpan out) override;

 private:
  std::uint64_t state_;
};

class CapturingLogSink final : public LogSink {
 public:
  struct Line {
    LogLevel level;
    std::string component;
    std::string prefix;
    std::string message;
  };
  bool Enabled(LogLevel) const override { return true; }
  void Write(LogLevel level, std::string_view component, std::string_view prefix,
             std::string_view message) override;
  std::vector<Line> lines() const;
  // True when any captured line contains `needle`.
  bool Contains(std::string_view needle) const;
  std::string Joined() const;

 private:
  mutable std::mutex mu_;
  std::vector<Line> lines_;
};

}  // namespace sekisho::testutil
