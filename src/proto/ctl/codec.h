#pragma once
// Encoder and decoders for the sekishoctl admin protocol (docs/protocol/ctl.md).
//
// Encode* return a complete frame (4-byte length prefix + payload) ready to write to the
// socket. Decode* take one payload (without the prefix) as produced by FrameDecoder.
// Control-plane code: allocation per message is fine here.

#include "base/bytes.h"
#include "base/result.h"
#include "proto/ctl/messages.h"

#include <cstddef>

namespace sekisho::proto::ctl {

// Errors: kTooLarge when a string exceeds 65535 bytes, a record exceeds 65535 bytes or the
// payload exceeds wire::kMaxMessageSize. The caller answers with ErrorResponse{kTooLarge}.
Result<Bytes> EncodeRequest(const Request& request);
Result<Bytes> EncodeResponse(const Response& response);

// Errors: kUnsupported for a version other than wire::kVersion (answer kUnsupportedVersion);
// kMalformed for truncated headers or fields, a bad integer width, or a request type that is
// unknown (answer kMalformed / kUnknownRequest: the context starts with "unknown type").
// Unknown field tags are skipped.
Result<Request> DecodeRequest(ByteSpan payload);
// Errors: kUnsupported (other version), kMalformed (anything that does not parse).
Result<Response> DecodeResponse(ByteSpan payload);

// Splits a byte stream into payloads. Accepts any split of the input, one byte at a time
// included. Not thread-safe; one per connection.
//
//   FrameDecoder d;
//   while (have bytes) {
//     auto n = d.Feed(bytes);   // consumes at most up to the end of one frame
//     if (!n) close;            // kTooLarge / kMalformed: the stream cannot be resynchronised
//     bytes = bytes.subspan(*n);
//     if (d.has_frame()) { Handle(d.frame()); d.Pop(); }
//   }
class FrameDecoder {
 public:
  // Consumes bytes until one frame is complete (then stops). Returns the number consumed.
  // Errors: kTooLarge when the announced length exceeds wire::kMaxMessageSize; kMalformed
  // when it is shorter than the payload header. Both are sticky.
  // REQUIRES: !has_frame() (call Pop() first); otherwise consumes nothing.
  Result<std::size_t> Feed(ByteSpan data);

  bool has_frame() const { return has_frame_; }
  // The payload of the completed frame. Valid until the next Pop() or Feed().
  ByteSpan frame() const { return ByteSpan(buffer_); }
  // Discards the completed frame.
  void Pop();
  // True while a frame has been started but not completed (bytes are buffered).
  bool in_progress() const { return header_filled_ > 0 && !has_frame_; }

 private:
  std::uint8_t header_[4] = {};
  std::size_t header_filled_ = 0;
  std::size_t expected_ = 0;
  Bytes buffer_;
  bool has_frame_ = false;
  bool failed_ = false;
  Error error_;
};

}  // namespace sekisho::proto::ctl
