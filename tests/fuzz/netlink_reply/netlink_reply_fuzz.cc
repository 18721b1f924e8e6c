// Replies read from the kernel's rtnetlink socket: ParseAck must find the answer to a sequence
// number or refuse a truncated or inconsistent datagram, never read past it. The first four
// bytes choose the sequence number looked for.
#include "net/netlink_linux.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) {
    return 0;
  }
  std::uint32_t seq = 0;
  std::memcpy(&seq, data, sizeof seq);
  (void)sekisho::net::ParseAck(sekisho::ByteSpan(data + 4, size - 4), seq);
  return 0;
}
