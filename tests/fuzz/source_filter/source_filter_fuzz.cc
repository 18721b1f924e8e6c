// Packets a client sends into its tunnel, as the gateway's source-address validation reads
// them: Check must never read past the packet, a pass must really carry the leased source,
// and Describe must handle every refusal.
#include "proto/session/source_filter.h"

#include <cstddef>
#include <cstdint>

namespace session = sekisho::proto::session;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sekisho::ByteSpan packet(data, size);
  session::Ipv6Prefix prefix;
  prefix.address = {0x20, 0x01, 0x0d, 0xb8};
  prefix.length = 64;
  constexpr std::uint32_t kLease = 0xC6126502;  // 198.18.101.2
  const session::SourceFilter with_ipv6(kLease, prefix);
  const session::SourceFilter ipv4_only(kLease, std::nullopt);
  for (const session::SourceFilter* filter : {&with_ipv6, &ipv4_only}) {
    session::SourceFilter::Verdict verdict = filter->Check(packet);
    if (verdict == session::SourceFilter::Verdict::kPass) {
      bool leased_ipv4 = size >= 20 && (data[0] >> 4) == 4 && data[12] == 198 && data[13] == 18 &&
                         data[14] == 101 && data[15] == 2;
      bool in_prefix = size >= 40 && (data[0] >> 4) == 6 && filter == &with_ipv6 &&
                       data[8] == 0x20 && data[9] == 0x01 && data[10] == 0x0d && data[11] == 0xb8 &&
                       data[12] == 0 && data[13] == 0 && data[14] == 0 && data[15] == 0;
      if (!leased_ipv4 && !in_prefix) {
        __builtin_trap();
      }
    } else {
      (void)session::SourceFilter::Describe(packet, verdict);
    }
  }
  return 0;
}
