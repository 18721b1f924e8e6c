#pragma once
// Client side: builders for the documents a client POSTs during aggregate authentication
// (anyconnect.md §3.3 init, §3.5 init with group-select, §3.6 auth-reply, §3.13 logout) and
// for the legacy form body (§3.11).
//
// XML output matches openconnect 9.01's libxml2 serialisation byte for byte: the declaration
// line, the whole document on one line, a final newline. Values are escaped (& < > " ' and
// CR/LF/TAB; other C0 controls, which XML 1.0 cannot carry, are dropped). Pure functions.

#include "base/redacted.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sekisho::proto::auth {

// The version string sekisho reports in <version who="vpn">. It keeps openconnect's "vN.NN"
// shape because gateways that check client versions parse it that way.
inline constexpr std::string_view kSekishoClientVersion = "v9.01-sekisho";

struct ClientIdentity {
  std::string version = std::string(kSekishoClientVersion);
  std::string device_id = "linux-64";
  // <capabilities><auth-method>: advertise only what the client implements
  // (e.g. "multiple-cert", "single-sign-on-v2"). Empty by default: sekisho does no SSO yet.
  std::vector<std::string> auth_methods;
};

// config-auth type="init": version, device-id, capabilities, group-access and, when given,
// group-select.
std::string BuildInit(const ClientIdentity& identity, std::string_view group_access_url,
                      std::optional<std::string_view> group_select);

// config-auth type="auth-reply": version, device-id, capabilities, the opaque element
// verbatim, <auth> with one child per field (in the given order), then group-select.
// REQUIRES: opaque_xml is empty or ServerMessage::opaque_xml from the last auth-request.
// Fields whose name is not a plain XML element name are skipped (ParseServerMessage never
// yields such names); the caller maps group_list to group_select rather than to a field.
std::string BuildAuthReply(const ClientIdentity& identity, std::string_view opaque_xml,
                           const std::vector<std::pair<std::string, SecretString>>& fields,
                           std::optional<std::string_view> group_select);

// config-auth type="logout" with <session-token> (the Cisco way to end a session).
std::string BuildLogout(const ClientIdentity& identity, const SecretString& token);

// application/x-www-form-urlencoded body for the legacy login: "name=value" pairs joined by
// '&', every byte outside [A-Za-z0-9-._~] as %XX; group_list pairs first (openconnect's
// order), the others in the given order.
std::string BuildLegacyFormBody(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace sekisho::proto::auth
