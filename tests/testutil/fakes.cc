#include "testutil/fakes.h"

namespace sekisho::testutil {

void FakeRng::Fill(MutableByteSpan out) {
  for (auto& b : out) {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    b = static_cast<std::uint8_t>((state_ * 0x2545F4914F6CDD1DULL) >> 56);
  }
}

void CapturingLogSink::Write(LogLevel level, std::string_view component, std::string_view prefix,
                             std::string_view message) {
  std::lock_guard lock(mu_);
  lines_.push_back({level, std::string(component), std::string(prefix), std::string(message)});
}

std::vector<CapturingLogSink::Line> CapturingLogSink::lines() const {
  std::lock_guard lock(mu_);
  return lines_;
}

bool CapturingLogSink::Contains(std::string_view needle) const {
  std::lock_guard lock(mu_);
  for (const auto& line : lines_) {
    if (line.message.find(needle) != std::string::npos ||
        line.prefix.find(needle) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string CapturingLogSink::Joined() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& line : lines_) {
    out += line.component + ": " + line.message + "\n";
  }
  return out;
}

}  // namespace sekisho::testutil
