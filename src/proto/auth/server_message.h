#pragma once
// Client side: what a gateway answers during authentication, parsed into a neutral form model
// in the spirit of openconnect's struct oc_auth_form, so that the prompt UI never sees XML.
//
// Accepts ocserv 1.1.6's exact documents (config-auth without aggregate-auth-version, one
// field per form, multi-line <message> on retry), the ASA shapes of anyconnect.md §3.4, §3.7
// and §3.8, and the legacy unwrapped <auth id="main"> document of §3.11. Pure functions:
// thread-safe, no I/O, no logging.

#include "base/redacted.h"
#include "base/result.h"
#include "proto/auth/types.h"

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::proto::auth {

struct FormField {
  enum Kind { kText, kPassword, kHidden, kSelect, kSso };
  Kind kind = kText;
  std::string name;   // the element name to answer with (always a plain XML name)
  std::string label;  // prompt
  // Prefilled value: @value of an input (hidden fields must be echoed); for a select the
  // value of the default option (the last one marked selected, else the first).
  std::string value;
  std::vector<SelectOption> options;  // kSelect only
  bool second_auth = false;           // @second-auth="1": belongs to the second factor
};

struct AuthForm {
  std::string auth_id;  // <auth id>: "main", "challenge", "passwd", "success", ...
  std::string title;
  std::string banner;
  std::string message;  // with param1/param2 substituted for "%s"
  std::string error;    // likewise; a retry error on an ASA
  std::string action = "/";
  std::string method = "post";
  // inputs (text, password, hidden, sso) and selects in document order; submit/reset and
  // unknown input types are dropped, as are inputs without a usable name.
  std::vector<FormField> fields;
  bool authentication_complete = false;  // <authentication-complete/>: post without asking
};

struct ProfileEntry {
  std::string uri;
  std::string sha1;  // as given (ASA and ocserv send uppercase hex); empty when absent

  friend bool operator==(const ProfileEntry&, const ProfileEntry&) = default;
};

struct ServerMessage {
  enum Type {
    kAuthRequest,  // fill in `form` (or present a client certificate) and reply
    kComplete,     // logged in: <auth id="success">
    kError,        // terminal failure: stop, show error_text
  };
  Type type = kAuthRequest;
  std::optional<AuthForm> form;  // present whenever the document has an <auth> node
  // The top-level <opaque> element re-serialised (whitespace-only text dropped); pass it
  // unchanged to BuildAuthReply. Empty when the gateway sent none (ocserv).
  std::string opaque_xml;
  bool client_cert_request = false;  // <client-cert-request/>: reconnect with a certificate
  bool aggregate_v2 = false;         // config-auth/@aggregate-auth-version="2"

  // Success documents.
  std::string session_id;
  SecretString session_token;  // <session-token>; when empty use Set-Cookie: webvpn=
  std::string server_cert_hash;
  std::string banner;
  std::string message;
  std::string base_package_uri;
  std::vector<ProfileEntry> profiles;    // vpn-profile-manifest, type="profile" files
  std::vector<ProfileEntry> core_files;  // opaque vpn-client / vpn-core-manifest files

  // kError: the top-level <error>, else the form's error, else its message.
  std::string error_text;
};

// Parses a gateway's answer to an auth POST (or the legacy GET).
// Classification, following openconnect 9.01:
//   <auth id="success">                                 → kComplete
//   another <auth> with fields or authentication-complete, or a client-cert-request
//                                                        → kAuthRequest
//   an <auth> with no fields (only message/error)        → kError (form still filled)
//   no <auth> but a top-level <error>                    → kError
// Errors:
//   kTooLarge  body over kMaxBodySize;
//   kMalformed not XML, DTD/entity declarations, NUL bytes, or a root other than
//              config-auth / auth;
//   kProtocol  well-formed config-auth without any auth node, error or certificate request
//              ("XML response has no auth node"). In answer to the first init, openconnect
//              falls back to the legacy login on this (and on kMalformed); later in the
//              dialogue the caller fails the login.
Result<ServerMessage> ParseServerMessage(std::string_view body);

std::string_view ToString(ServerMessage::Type type);

}  // namespace sekisho::proto::auth

// Debug formatting; the session token prints as a fingerprint only.
template <>
struct fmt::formatter<sekisho::proto::auth::ServerMessage> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class Ctx>
  auto format(const sekisho::proto::auth::ServerMessage& m, Ctx& ctx) const {
    auto out = fmt::format_to(ctx.out(), "{{type={}", sekisho::proto::auth::ToString(m.type));
    if (m.form) {
      out = fmt::format_to(out, " auth-id={} fields={}", m.form->auth_id, m.form->fields.size());
    }
    if (!m.session_token.empty()) {
      out = fmt::format_to(out, " session-token={}", m.session_token);
    }
    if (!m.error_text.empty()) {
      out = fmt::format_to(out, " error={:?}", m.error_text);
    }
    return fmt::format_to(out, "}}");
  }
};
