#include "proto/cstp/frame_decoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace sekisho::proto::cstp {

FrameDecoder::FrameDecoder(std::size_t max_payload)
    : buffer_(kHeaderSize + std::min<std::size_t>(max_payload, 0xffff)),
      max_payload_(std::min<std::size_t>(max_payload, 0xffff)) {}

Result<std::size_t> FrameDecoder::Feed(ByteSpan data) {
  std::size_t consumed = 0;
  while (consumed < data.size()) {
    if (state_ == State::kFailed) {
      return Fail(error_);
    }
    if (state_ == State::kReady) {
      break;
    }
    const std::size_t n = std::min(needed_ - filled_, data.size() - consumed);
    std::memcpy(buffer_.data() + filled_, data.data() + consumed, n);
    filled_ += n;
    consumed += n;
    if (filled_ < needed_) {
      continue;
    }
    if (state_ == State::kHeader) {
      // Validate as soon as the header is in, so garbage is rejected before buffering a
      // payload behind it.
      if (std::memcmp(buffer_.data(), kMagic, sizeof(kMagic)) != 0) {
        error_ = Error{Errc::kMalformed, "bad CSTP magic"};
      } else if (buffer_[kReservedOffset] != 0) {
        error_ = Error{Errc::kMalformed, "CSTP header byte 7 is not zero"};
      } else if (LoadU16(buffer_.data() + kLengthOffset) > max_payload_) {
        error_ = Error{Errc::kTooLarge,
                       fmt::format("CSTP payload length {} above {}",
                                   LoadU16(buffer_.data() + kLengthOffset), max_payload_)};
      } else {
        needed_ = kHeaderSize + LoadU16(buffer_.data() + kLengthOffset);
        state_ = needed_ == kHeaderSize ? State::kReady : State::kPayload;
        continue;
      }
      state_ = State::kFailed;
      return Fail(error_);
    }
    state_ = State::kReady;
  }
  if (state_ == State::kFailed) {
    return Fail(error_);
  }
  return consumed;
}

Result<Frame> FrameDecoder::Take() {
  if (state_ != State::kReady) {
    return Fail(Errc::kInternal, "FrameDecoder::Take without a frame");
  }
  const ByteSpan frame_bytes(buffer_.data(), needed_);
  filled_ = 0;
  needed_ = kHeaderSize;
  state_ = State::kHeader;
  // The header was validated already; ParseRecord adds the type check with the same errors
  // as the record path.
  return ParseRecord(frame_bytes);
}

void FrameDecoder::Reset() {
  filled_ = 0;
  needed_ = kHeaderSize;
  state_ = State::kHeader;
  error_ = Error{};
}

}  // namespace sekisho::proto::cstp
