// Feeds arbitrary bytes to the DTLS packet parser (a decrypted record) and to the ClientHello
// session-id extractor (a raw UDP datagram).
#include "proto/dtls/client_hello.h"
#include "proto/dtls/payload.h"

#include <cstddef>
#include <cstdint>

using sekisho::ByteSpan;
namespace dtls = sekisho::proto::dtls;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan input(data, size);
  (void)dtls::ParseDtlsPayload(input);
  if (auto id = dtls::ExtractClientHelloSessionId(input)) {
    // The id must lie inside the datagram.
    if (id->data() < data || id->data() + id->size() > data + size) {
      __builtin_trap();
    }
  }
  return 0;
}
