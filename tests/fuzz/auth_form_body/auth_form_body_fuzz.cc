// Feeds arbitrary bodies to the legacy form-body parser; a parsed body re-encoded by the
// client builder must parse back to the same fields.

#include "proto/auth/client_builder.h"
#include "proto/auth/client_message.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sekisho::proto::auth;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto msg = ParseLegacyFormBody(body);
  if (!msg.has_value()) {
    return 0;
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& [name, value] : msg->fields) {
    pairs.emplace_back(name, value.reveal());
  }
  auto again = ParseLegacyFormBody(BuildLegacyFormBody(pairs));
  if (!again.has_value() || again->fields != msg->fields) {
    // Re-encoding can only grow past the size limit, never fail otherwise.
    if (again.has_value() || again.error().code != sekisho::Errc::kTooLarge) {
      __builtin_trap();
    }
  }
  return 0;
}
