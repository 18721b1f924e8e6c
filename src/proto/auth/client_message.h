#pragma once
// Gateway side: what a client POSTs during authentication, parsed into one neutral struct.
// Handles the aggregate-auth XML documents (config-auth type init / auth-reply / logout,
// anyconnect.md §3.3, §3.5, §3.6, §3.13) and the legacy form-encoded bodies (§3.11).
//
// Parsing is as forgiving as ocserv's (unknown elements, any order, whitespace, missing
// `type`) but runs a real XML parser behind the guards of wire.h: size limit, no DTD.
// All functions are pure: thread-safe, no I/O, no logging.

#include "base/redacted.h"
#include "base/result.h"
#include "proto/auth/types.h"

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sekisho::proto::auth {

enum class ClientMessageType {
  kInit,       // start or restart the login dialogue (possibly with a group choice)
  kAuthReply,  // answers to the fields of the last form
  kLogout,     // end the session named by session_token (Cisco clients only)
};

std::string_view ToString(ClientMessageType type);

struct ClientMessage {
  ClientMessageType type = ClientMessageType::kInit;
  std::string client_version;               // <version who="vpn">, e.g. "v9.01-3"
  std::string device_id;                    // <device-id> text, e.g. "linux-64"
  std::vector<std::string> auth_methods;    // <capabilities><auth-method>...
  std::string group_access;                 // <group-access>: the URL the client POSTed to
  std::optional<std::string> group_select;  // <group-select> or group_list=, when non-empty
  // Children of <auth>, in document order: element name and its text (not trimmed, so a
  // password with spaces survives). Legacy bodies: every pair except group_list.
  std::vector<std::pair<std::string, SecretString>> fields;
  std::string opaque_xml;         // the echoed <opaque> element re-serialised, or empty
  std::optional<Opaque> opaque;   // the same, decoded (tunnel-group etc.)
  SecretString session_token;     // <session-token> (logout; empty in multicert/SSO replies)
  bool client_cert_fail = false;  // <client-cert-fail/> present
  bool aggregate_v2 = false;      // config-auth/@aggregate-auth-version="2"

  // The value of the first field called `name`, or nullptr.
  const SecretString* FindField(std::string_view name) const;
};

// True when the gateway should parse `body` as XML: after optional whitespace (and a UTF-8
// BOM) it starts with "<?xml" or "<config-auth". Cisco clients label XML bodies
// application/x-www-form-urlencoded, so the gateway decides by the body (anyconnect.md §2.2).
bool LooksLikeXml(std::string_view body);

// Parses a config-auth document sent by a client.
// Unknown elements are ignored; for repeated scalar elements the first wins. A missing or
// unknown `type` is inferred: <auth> with child elements → kAuthReply, else a non-empty
// <session-token> → kLogout, else kInit.
// Errors (the caller answers 400 or an auth failure and may close the connection):
//   kTooLarge  body over kMaxBodySize;
//   kMalformed not well-formed XML, a DTD/entity declaration, NUL bytes, or the root element
//              is not config-auth.
Result<ClientMessage> ParseClientMessage(std::string_view body);

// Parses an application/x-www-form-urlencoded body (legacy login, §3.11): pairs split on '&',
// '+' is a space, %XX decoded. group_list → group_select, every other pair → fields (in
// order). type = kAuthReply when any field is present, else kInit (the legacy GET has an
// empty body). aggregate_v2 = false.
// Errors: kTooLarge over kMaxBodySize; kMalformed on a bad %-escape or an empty name.
Result<ClientMessage> ParseLegacyFormBody(std::string_view body);

}  // namespace sekisho::proto::auth

// Debug formatting; secrets print as fingerprints only.
template <>
struct fmt::formatter<sekisho::proto::auth::ClientMessageType> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(sekisho::proto::auth::ClientMessageType type, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format(sekisho::proto::auth::ToString(type), ctx);
  }
};

template <>
struct fmt::formatter<sekisho::proto::auth::ClientMessage> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class Ctx>
  auto format(const sekisho::proto::auth::ClientMessage& m, Ctx& ctx) const {
    auto out = fmt::format_to(ctx.out(), "{{type={} version={} device={} group={}", m.type,
                              m.client_version, m.device_id, m.group_select.value_or(""));
    for (const auto& [name, value] : m.fields) {
      out = fmt::format_to(out, " {}={}", name, value);
    }
    if (!m.session_token.empty()) {
      out = fmt::format_to(out, " session-token={}", m.session_token);
    }
    return fmt::format_to(out, "}}");
  }
};
