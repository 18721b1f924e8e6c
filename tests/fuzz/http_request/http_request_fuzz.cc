// Feeds arbitrary bytes to RequestReader in two pieces (split chosen by the first byte),
// reading pipelined requests until the input ends or an error.
#include "proto/http/cookies.h"
#include "proto/http/request_reader.h"

#include <cstddef>
#include <cstdint>

using sekisho::ByteSpan;
namespace http = sekisho::proto::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const ByteSpan input(data + 1, size - 1);
  const std::size_t split = data[0] % size;
  http::RequestReader reader(http::Limits{.max_header_bytes = 4096, .max_body_bytes = 4096});
  for (ByteSpan piece : {input.subspan(0, split), input.subspan(split)}) {
    while (!piece.empty()) {
      auto n = reader.Feed(piece);
      if (!n.has_value()) {
        return 0;
      }
      if (*n > piece.size()) {
        __builtin_trap();
      }
      piece = piece.subspan(*n);
      if (reader.done()) {
        http::HttpRequest request = reader.Take();
        (void)http::FindCookie(request, "webvpn");
        reader.Reset();
      }
    }
  }
  return 0;
}
