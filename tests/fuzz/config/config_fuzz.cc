// Feeds arbitrary text to the TOML config parser and validator; DescribeConfig must accept
// anything ParseConfig accepts.
#include "gateway/config.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = sekisho::gateway::ParseConfig(text, "/fuzz/sekishod.toml");
  if (config.has_value()) {
    (void)sekisho::gateway::DescribeConfig(*config);
  }
  (void)sekisho::gateway::ParseIpv4Cidr(text);
  return 0;
}
