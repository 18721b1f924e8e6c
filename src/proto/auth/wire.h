#pragma once
// Wire constants of the aggregate-auth XML dialogue (config-auth documents) and of the legacy
// form-encoded login. The format is described in docs/protocol/auth-xml.md and in
// anyconnect.md §3; element and attribute names used by more than one codec live here.

#include <cstddef>
#include <string_view>

namespace sekisho::proto::auth {

// Largest XML or form body any parser here accepts. Real documents are well under 4 KiB
// (ocserv's success page with a profile manifest is ~500 bytes, an ASA one ~2 KiB); the limit
// bounds memory and CPU spent on a hostile peer.
inline constexpr std::size_t kMaxBodySize = 64 * 1024;

// Every document we build starts with this line (openconnect and ocserv both emit it).
inline constexpr std::string_view kXmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

// The name of the select carrying the group (tunnel-group) choice; openconnect moves it out of
// <auth> into a top-level <group-select> and posts it first in legacy form bodies.
inline constexpr std::string_view kGroupListField = "group_list";

// <auth id="..."> values with a meaning of their own; any other id is a form id.
inline constexpr std::string_view kAuthIdMain = "main";
inline constexpr std::string_view kAuthIdSuccess = "success";

// config-auth/@type values.
inline constexpr std::string_view kTypeInit = "init";
inline constexpr std::string_view kTypeAuthReply = "auth-reply";
inline constexpr std::string_view kTypeLogout = "logout";
inline constexpr std::string_view kTypeAuthRequest = "auth-request";
inline constexpr std::string_view kTypeComplete = "complete";

// The value of config-auth/@aggregate-auth-version that marks "aggregate auth v2".
inline constexpr std::string_view kAggregateAuthVersion = "2";

}  // namespace sekisho::proto::auth
