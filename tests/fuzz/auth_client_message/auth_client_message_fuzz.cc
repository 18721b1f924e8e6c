// Feeds arbitrary bodies to the gateway-side XML parser. Properties checked beyond "no crash,
// no sanitizer report": a parsed message formats, and its opaque element, echoed through the
// client builder, parses again.

#include "proto/auth/client_builder.h"
#include "proto/auth/client_message.h"
#include "proto/auth/wire.h"

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sekisho::proto::auth;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)LooksLikeXml(body);
  auto msg = ParseClientMessage(body);
  if (!msg.has_value()) {
    return 0;
  }
  (void)fmt::format("{}", *msg);
  std::string reply =
      BuildAuthReply(ClientIdentity{}, msg->opaque_xml, msg->fields, msg->group_select);
  if (reply.size() <= kMaxBodySize && !ParseClientMessage(reply).has_value()) {
    __builtin_trap();
  }
  return 0;
}
