#include "proto/auth/server_builder.h"

#include "proto/auth/wire.h"
#include "proto/auth/xml_util.h"

namespace sekisho::proto::auth {
namespace {

using internal::AppendElement;
using internal::AppendEscaped;

void AppendAttr(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  AppendEscaped(out, value);
  out += '"';
}

void AppendLine(std::string& out, std::string_view name, std::string_view text) {
  AppendElement(out, name, text);
  out += '\n';
}

void AppendOpenConfigAuth(std::string& out, std::string_view type, bool aggregate_v2) {
  out += kXmlDeclaration;
  out += "<config-auth client=\"vpn\"";
  AppendAttr(out, "type", type);
  if (aggregate_v2) {
    AppendAttr(out, "aggregate-auth-version", kAggregateAuthVersion);
  }
  out += ">\n";
}

void AppendOpaque(std::string& out, const Opaque& opaque) {
  // Element order of the ASA template (§3.4).
  out += "<opaque is-for=\"sg\">\n";
  if (!opaque.tunnel_group.empty()) {
    AppendLine(out, "tunnel-group", opaque.tunnel_group);
  }
  if (!opaque.aggauth_handle.empty()) {
    AppendLine(out, "aggauth-handle", opaque.aggauth_handle);
  }
  for (const std::string& method : opaque.auth_methods) {
    AppendLine(out, "auth-method", method);
  }
  if (!opaque.group_alias.empty()) {
    AppendLine(out, "group-alias", opaque.group_alias);
  }
  if (!opaque.config_hash.empty()) {
    AppendLine(out, "config-hash", opaque.config_hash);
  }
  out += "</opaque>\n";
}

void AppendGroupSelect(std::string& out, const GroupSelect& select) {
  out += "<select";
  AppendAttr(out, "name", select.name);
  AppendAttr(out, "label", select.label);
  out += ">\n";
  // openconnect picks the last option marked selected and Cisco clients the first; marking
  // exactly one keeps them in agreement.
  std::size_t selected = 0;
  for (std::size_t i = 0; i < select.options.size(); ++i) {
    if (select.options[i].selected) {
      selected = i;
      break;
    }
  }
  for (std::size_t i = 0; i < select.options.size(); ++i) {
    const SelectOption& option = select.options[i];
    out += "<option";
    AppendAttr(out, "value", option.value);
    if (i == selected) {
      AppendAttr(out, "selected", "true");
    }
    out += '>';
    AppendEscaped(out, option.label);
    out += "</option>\n";
  }
  out += "</select>\n";
}

}  // namespace

std::string BuildAuthRequest(const AuthRequest& request) {
  std::string out;
  out.reserve(1024);
  AppendOpenConfigAuth(out, kTypeAuthRequest, request.aggregate_v2);
  if (request.opaque) {
    AppendOpaque(out, *request.opaque);
  }
  out += "<auth";
  AppendAttr(out, "id", request.auth_id);
  out += ">\n";
  if (!request.title.empty()) {
    AppendLine(out, "title", request.title);
  }
  if (!request.banner.empty()) {
    AppendLine(out, "banner", request.banner);
  }
  if (!request.message.empty()) {
    AppendLine(out, "message", request.message);
  }
  if (request.error) {
    // Empty param attributes make openconnect drop any "%s" rather than print it.
    out += "<error";
    AppendAttr(out, "id", request.error_id);
    out += " param1=\"\" param2=\"\">";
    AppendEscaped(out, *request.error);
    out += "</error>\n";
  }
  out += "<form method=\"post\"";
  AppendAttr(out, "action", request.form_action);
  out += ">\n";
  for (const FormInput& input : request.inputs) {
    out += "<input";
    AppendAttr(out, "type", input.type);
    AppendAttr(out, "name", input.name);
    AppendAttr(out, "label", input.label);
    if (!input.value.empty()) {
      AppendAttr(out, "value", input.value);
    }
    out += " />\n";
  }
  if (request.group_select) {
    AppendGroupSelect(out, *request.group_select);
  }
  out += "</form>\n</auth>\n</config-auth>\n";
  return out;
}

std::string BuildAuthComplete(const AuthSuccess& success) {
  std::string out;
  out.reserve(2048);
  AppendOpenConfigAuth(out, kTypeComplete, /*aggregate_v2=*/true);
  if (!success.session_id.empty()) {
    AppendLine(out, "session-id", success.session_id);
  }
  // Sent in the XML as well as in Set-Cookie: openconnect prefers the element, Cisco clients
  // need it (§3.7).
  if (!success.session_token.empty()) {
    AppendLine(out, "session-token", success.session_token.reveal());
  }
  out += "<auth id=\"success\">\n";
  if (!success.title.empty()) {
    AppendLine(out, "title", success.title);
  }
  if (!success.banner.empty()) {
    AppendLine(out, "banner", success.banner);
  }
  if (!success.message.empty()) {
    out += "<message id=\"0\" param1=\"\" param2=\"\">";
    AppendEscaped(out, success.message);
    out += "</message>\n";
  }
  out += "</auth>\n";
  out += "<capabilities>\n<crypto-supported>ssl-dhe</crypto-supported>\n</capabilities>\n";
  out += "<config client=\"vpn\" type=\"private\">\n";
  out += "<vpn-base-config>\n";
  if (!success.base_package_uri.empty()) {
    AppendLine(out, "base-package-uri", success.base_package_uri);
  }
  AppendLine(out, "server-cert-hash", success.server_cert_hash);
  out += "</vpn-base-config>\n";
  if (!success.pkg_version.empty() || !success.core_files.empty()) {
    out += "<opaque is-for=\"vpn-client\">\n";
    if (!success.pkg_version.empty()) {
      out += "<vpn-client-pkg-version>";
      AppendElement(out, "pkgversion", success.pkg_version);
      out += "</vpn-client-pkg-version>\n";
    }
    if (!success.core_files.empty()) {
      out += "<vpn-core-manifest>\n<vpn rev=\"1.0\">\n";
      for (const CoreManifestFile& file : success.core_files) {
        out += "<file";
        AppendAttr(out, "version", file.version);
        AppendAttr(out, "id", file.id);
        AppendAttr(out, "is_core", file.is_core ? "yes" : "no");
        AppendAttr(out, "type", file.type);
        AppendAttr(out, "action", file.action);
        AppendAttr(out, "os", file.os);
        out += ">\n";
        AppendLine(out, "uri", file.uri);
        AppendLine(out, "display-name", file.display_name);
        if (!file.sha1_hex_upper.empty()) {
          out += "<hash type=\"sha1\">";
          AppendEscaped(out, file.sha1_hex_upper);
          out += "</hash>\n";
        }
        out += "</file>\n";
      }
      out += "</vpn>\n</vpn-core-manifest>\n";
    }
    out += "</opaque>\n";
  }
  if (!success.profiles.empty()) {
    out += "<vpn-profile-manifest>\n<vpn rev=\"1.0\">\n";
    for (const ManifestFile& file : success.profiles) {
      out += "<file";
      AppendAttr(out, "type", file.type);
      AppendAttr(out, "service-type", file.service_type);
      out += ">\n";
      AppendLine(out, "uri", file.uri);
      out += "<hash type=\"sha1\">";
      AppendEscaped(out, file.sha1_hex_upper);
      out += "</hash>\n</file>\n";
    }
    out += "</vpn>\n</vpn-profile-manifest>\n";
  }
  out += "</config>\n</config-auth>\n";
  return out;
}

std::string BuildAuthFailure(std::string_view message) {
  std::string out;
  AppendOpenConfigAuth(out, kTypeComplete, /*aggregate_v2=*/true);
  out += "<error id=\"24\" param1=\"\" param2=\"\">";
  AppendEscaped(out, message);
  out += "</error>\n</config-auth>\n";
  return out;
}

std::string BuildLogoutAck() {
  std::string out;
  AppendOpenConfigAuth(out, kTypeComplete, /*aggregate_v2=*/true);
  out += "</config-auth>\n";
  return out;
}

}  // namespace sekisho::proto::auth
