#pragma once
// Incremental CSTP frame decoder for a byte stream (frames whose boundaries do not coincide
// with the chunks the caller receives). Over TLS proper, one record is one frame and
// ParseRecord() is enough; this decoder serves stream transports and tests.
//
// Accepts any split of the input, down to one byte at a time. The frame buffer is allocated
// once at construction (no per-frame allocation).
//
//   FrameDecoder dec;
//   while (!in.empty()) {
//     SEKISHO_ASSIGN_OR_RETURN(size_t n, dec.Feed(in));   // sticky framing error: close
//     in = in.subspan(n);
//     if (dec.ready()) {
//       Result<Frame> f = dec.Take();   // kUnsupported: unknown type, frame dropped
//       ...
//     }
//   }
//
// Thread-compatible.

#include "base/bytes.h"
#include "base/result.h"
#include "proto/cstp/frame.h"
#include "proto/cstp/wire.h"

#include <cstddef>

namespace sekisho::proto::cstp {

class FrameDecoder {
 public:
  // Frames with a payload longer than max_payload are a framing error (kTooLarge).
  // REQUIRES: max_payload <= 65535.
  explicit FrameDecoder(std::size_t max_payload = kMaxPayload);

  FrameDecoder(const FrameDecoder&) = delete;
  FrameDecoder& operator=(const FrameDecoder&) = delete;

  // Consumes bytes until one frame is complete or `data` is exhausted, and returns the number
  // of bytes consumed. Bytes after a complete frame are not consumed: call Take() and feed the
  // rest again. While ready(), Feed() consumes nothing and returns 0.
  // Errors (sticky: every later Feed() returns the same error; close the session):
  //   kMalformed  bad magic or byte 7 != 0
  //   kTooLarge   length field above max_payload
  Result<std::size_t> Feed(ByteSpan data);

  // True when a complete frame is buffered.
  bool ready() const { return state_ == State::kReady; }
  // True after a framing error.
  bool failed() const { return state_ == State::kFailed; }

  // Returns the buffered frame and prepares for the next one. The payload points into the
  // decoder and stays valid until the next Feed() or Reset().
  // REQUIRES: ready().
  // Errors: kUnsupported when the frame's type is unknown (the frame is dropped and decoding
  // continues; a gateway may ignore it, a client must close).
  Result<Frame> Take();

  // Forgets any partial frame and any error.
  void Reset();

 private:
  enum class State { kHeader, kPayload, kReady, kFailed };

  Bytes buffer_;
  std::size_t max_payload_;
  std::size_t filled_ = 0;            // bytes of the current frame in buffer_
  std::size_t needed_ = kHeaderSize;  // total size of the current frame once known
  State state_ = State::kHeader;
  Error error_;
};

}  // namespace sekisho::proto::cstp
