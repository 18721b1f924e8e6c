// Feeds arbitrary bytes to ParseRecord (as one TLS record) and to FrameDecoder (as a stream,
// split at a point chosen by the first byte).
#include "proto/cstp/frame.h"
#include "proto/cstp/frame_decoder.h"

#include <cstddef>
#include <cstdint>

using sekisho::ByteSpan;
namespace cstp = sekisho::proto::cstp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan input(data, size);
  if (auto frame = cstp::ParseRecord(input); frame.has_value()) {
    (void)cstp::ClassifyDisconnect(frame->payload);
    (void)cstp::DisconnectReasonText(frame->payload);
  }
  if (size == 0) {
    return 0;
  }
  const std::size_t split = data[0] % size;
  cstp::FrameDecoder decoder;
  for (ByteSpan piece : {input.subspan(0, split), input.subspan(split)}) {
    while (!piece.empty()) {
      auto n = decoder.Feed(piece);
      if (!n.has_value()) {
        return 0;
      }
      piece = piece.subspan(*n);
      if (decoder.ready()) {
        (void)decoder.Take();
      }
    }
  }
  return 0;
}
