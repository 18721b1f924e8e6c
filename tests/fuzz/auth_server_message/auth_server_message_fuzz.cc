// Feeds arbitrary bodies to the client-side XML parser. Beyond "no crash": a parsed message
// formats, and answering its form (echoing the opaque element and every field name) yields a
// document the gateway-side parser accepts, so a hostile gateway cannot make our auth-reply
// malformed.

#include "proto/auth/client_builder.h"
#include "proto/auth/client_message.h"
#include "proto/auth/server_message.h"
#include "proto/auth/wire.h"

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sekisho::proto::auth;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto msg = ParseServerMessage(body);
  if (!msg.has_value()) {
    return 0;
  }
  (void)fmt::format("{}", *msg);
  if (!msg->form) {
    return 0;
  }
  std::vector<std::pair<std::string, sekisho::SecretString>> fields;
  for (const FormField& field : msg->form->fields) {
    fields.emplace_back(field.name, sekisho::SecretString(field.value));
  }
  std::string reply = BuildAuthReply(ClientIdentity{}, msg->opaque_xml, fields, std::nullopt);
  if (reply.size() <= kMaxBodySize && !ParseClientMessage(reply).has_value()) {
    __builtin_trap();
  }
  return 0;
}
