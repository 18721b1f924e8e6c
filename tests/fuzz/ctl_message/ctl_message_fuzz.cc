// Splits the input into frames with FrameDecoder (in odd-sized pieces) and decodes each as a
// request and as a response. Anything that decodes must re-encode and decode to the same value.
#include "proto/ctl/codec.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace ctl = sekisho::proto::ctl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ctl::FrameDecoder decoder;
  sekisho::ByteSpan input(data, size);
  std::size_t piece = 1 + (size % 7);
  while (!input.empty()) {
    auto used = decoder.Feed(input.first(std::min(piece, input.size())));
    if (!used) {
      break;
    }
    input = input.subspan(*used);
    if (decoder.has_frame()) {
      if (auto req = ctl::DecodeRequest(decoder.frame())) {
        auto again = ctl::EncodeRequest(*req);
        if (!again || !(*ctl::DecodeRequest(sekisho::ByteSpan(*again).subspan(4)) == *req)) {
          std::abort();
        }
      }
      if (auto resp = ctl::DecodeResponse(decoder.frame())) {
        if (auto again = ctl::EncodeResponse(*resp)) {
          if (!(*ctl::DecodeResponse(sekisho::ByteSpan(*again).subspan(4)) == *resp)) {
            std::abort();
          }
        }
      }
      decoder.Pop();
    }
  }
  return 0;
}
