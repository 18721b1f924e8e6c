#pragma once
// Gateway side: builders for the documents a gateway sends during aggregate authentication
// (anyconnect.md §3.4 auth-request, §3.7 complete, §3.8 terminal failure, §3.13 logout).
//
// Output is byte-exact and deterministic: the XML declaration line, then one element per line
// in the ASA layout, ending with a newline. All text and attribute values are escaped
// (see AppendEscaped in xml_util.h: & < > " ' and CR/LF/TAB; other C0 controls are dropped).
// All functions are pure and thread-safe.

#include "base/redacted.h"
#include "proto/auth/types.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::proto::auth {

// One <input> of a form.
struct FormInput {
  std::string type;  // "text", "password" or "hidden" ("sso" for SSO gateways)
  std::string name;  // element name the client answers with; REQUIRES a plain XML name
  std::string label;
  std::string value;  // emitted as @value when non-empty (hidden fields, prefilled text)
};

// The group drop-down (<select name="group_list">).
struct GroupSelect {
  std::string name = "group_list";
  std::string label = "GROUP:";
  // Exactly one option is emitted with selected="true": the first one marked selected, or
  // the first option when none is.
  std::vector<SelectOption> options;
};

struct AuthRequest {
  std::optional<Opaque> opaque;  // emitted as <opaque is-for="sg"> (ASA style) when set
  std::string auth_id = "main";
  std::string title;
  std::string banner;
  std::string message;
  // A retry error shown with the form: <error id="{error_id}" param1="" param2="">.
  std::optional<std::string> error;
  std::string error_id = "88";
  std::string form_action = "/";
  std::vector<FormInput> inputs;
  std::optional<GroupSelect> group_select;
  bool aggregate_v2 = true;  // emit aggregate-auth-version="2" on config-auth
};

// A user profile announced in vpn-profile-manifest.
struct ManifestFile {
  std::string uri;             // e.g. "/CACHE/stc/profiles/employees.xml"
  std::string sha1_hex_upper;  // SHA-1 of the exact bytes served at uri
  std::string type = "profile";
  std::string service_type = "user";
};

// A package announced in vpn-core-manifest (Cisco clients; optional).
struct CoreManifestFile {
  std::string version;  // e.g. "4.10.05095"
  std::string id;       // e.g. "VPNCore"
  bool is_core = true;
  std::string type = "msi";
  std::string action = "install";
  std::string os;  // e.g. "win:6.1.7601"
  std::string uri;
  std::string display_name;
  // SHA-1 of the bytes served at uri (uppercase hex), sent as <hash type="sha1"> like the
  // profile manifest's; empty for Cisco packages, which carry none.
  std::string sha1_hex_upper;
};

struct AuthSuccess {
  std::string session_id;      // <session-id>, omitted when empty
  SecretString session_token;  // <session-token>: the webvpn cookie value, omitted when empty
  std::string title;
  std::string banner;
  std::string message;
  std::string server_cert_hash;  // SHA-1 of the server certificate DER, uppercase hex
  std::string base_package_uri;  // e.g. "/CACHE/stc/1", omitted when empty
  std::vector<ManifestFile> profiles;
  std::vector<CoreManifestFile> core_files;
  std::string pkg_version;  // e.g. "4,10,05095"; omitted when empty
};

// config-auth type="auth-request": optional opaque, then <auth id> with title, banner,
// message, error (each only when non-empty / set) and a post form with the inputs followed by
// the group select.
std::string BuildAuthRequest(const AuthRequest& request);

// config-auth type="complete" aggregate-auth-version="2" in the ASA layout of §3.7:
// session-id, session-token, <auth id="success">, capabilities (ssl-dhe), then config with
// vpn-base-config, <opaque is-for="vpn-client"> (package version and core manifest, when
// any), and vpn-profile-manifest (when profiles are given).
std::string BuildAuthComplete(const AuthSuccess& success);

// A terminal failure: config-auth type="complete" holding only
// <error id="24" param1="" param2="">message</error>. openconnect stops on it (it has no
// <auth> node). The HTTP layer may prefer a bare 401 (ocserv behaviour, §3.8).
std::string BuildAuthFailure(std::string_view message);

// Answer to a client's type="logout": an empty config-auth type="complete" document.
std::string BuildLogoutAck();

}  // namespace sekisho::proto::auth
