// Feeds arbitrary bytes to ResponseReader in two pieces. The first byte picks the split and
// the mode (normal, HEAD, CONNECT); the end of input is delivered as EOF.
#include "proto/http/cookies.h"
#include "proto/http/response_reader.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

using sekisho::ByteSpan;
namespace http = sekisho::proto::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const ByteSpan input(data + 1, size - 1);
  const std::size_t split = (data[0] >> 2) % size;
  const int mode = data[0] & 3;
  http::ResponseReader reader(http::Limits{.max_header_bytes = 4096, .max_body_bytes = 4096});
  auto set_mode = [&] {
    if (mode == 1) {
      reader.ExpectHeadResponse();
    } else if (mode == 2) {
      reader.ExpectConnectResponse();
    }
  };
  set_mode();
  for (ByteSpan piece : {input.subspan(0, split), input.subspan(split)}) {
    while (!piece.empty()) {
      auto n = reader.Feed(piece);
      if (!n.has_value()) {
        return 0;
      }
      piece = piece.subspan(*n);
      if (reader.done()) {
        http::HttpResponse response = reader.Take();
        for (std::string_view line : response.FindAll("Set-Cookie")) {
          (void)http::ParseSetCookie(line);
        }
        reader.Reset();
        set_mode();
      }
    }
  }
  (void)reader.FinishAtEof();
  return 0;
}
