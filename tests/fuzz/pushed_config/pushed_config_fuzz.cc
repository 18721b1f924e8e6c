// The values a gateway pushes in its CONNECT answer (X-CSTP-*, X-DTLS-*), as the client checks
// them before touching the TUN device or running a script: CheckPushedConfig must accept or
// refuse without crashing, and nothing it accepts may carry a control character.
#include "client/pushed_config.h"
#include "client/terminal_text.h"
#include "fuzz/header_lines.h"
#include "proto/http/message.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

using sekisho::proto::http::HeaderList;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  HeaderList headers = sekisho::fuzz::HeaderLines(text);
  constexpr std::uint32_t kGateway = 0xC6120001;  // 198.18.0.1
  auto checked = sekisho::client::CheckPushedConfig(headers, kGateway);
  if (checked.has_value()) {
    for (const auto& [name, value] : headers) {
      if (name.rfind("X-CSTP-", 0) == 0 && sekisho::client::HasControlCharacters(value)) {
        __builtin_trap();  // accepted a value that would reach a script or route raw
      }
    }
  }
  (void)sekisho::client::CheckPushedConfig(headers, std::nullopt);
  return 0;
}
