#include "proto/auth/client_builder.h"

#include "base/encoding.h"
#include "proto/auth/wire.h"
#include "proto/auth/xml_util.h"

namespace sekisho::proto::auth {
namespace {

using internal::AppendElement;

void AppendHead(std::string& out, std::string_view type, const ClientIdentity& identity) {
  out += kXmlDeclaration;
  out += "<config-auth client=\"vpn\" type=\"";
  out += type;
  out += "\" aggregate-auth-version=\"2\"><version who=\"vpn\">";
  internal::AppendEscaped(out, identity.version);
  out += "</version>";
  AppendElement(out, "device-id", identity.device_id);
}

void AppendCapabilities(std::string& out, const ClientIdentity& identity) {
  if (identity.auth_methods.empty()) {
    out += "<capabilities/>";
    return;
  }
  out += "<capabilities>";
  for (const std::string& method : identity.auth_methods) {
    AppendElement(out, "auth-method", method);
  }
  out += "</capabilities>";
}

}  // namespace

std::string BuildInit(const ClientIdentity& identity, std::string_view group_access_url,
                      std::optional<std::string_view> group_select) {
  std::string out;
  out.reserve(512);
  AppendHead(out, kTypeInit, identity);
  AppendCapabilities(out, identity);
  AppendElement(out, "group-access", group_access_url);
  if (group_select) {
    AppendElement(out, "group-select", *group_select);
  }
  out += "</config-auth>\n";
  return out;
}

std::string BuildAuthReply(const ClientIdentity& identity, std::string_view opaque_xml,
                           const std::vector<std::pair<std::string, SecretString>>& fields,
                           std::optional<std::string_view> group_select) {
  std::string out;
  out.reserve(512);
  AppendHead(out, kTypeAuthReply, identity);
  AppendCapabilities(out, identity);
  // openconnect splices the gateway's opaque node right after capabilities (§3.6).
  out += opaque_xml;
  out += "<auth>";
  for (const auto& [name, value] : fields) {
    if (internal::IsSafeElementName(name)) {
      AppendElement(out, name, value.reveal());
    }
  }
  out += "</auth>";
  if (group_select) {
    AppendElement(out, "group-select", *group_select);
  }
  out += "</config-auth>\n";
  return out;
}

std::string BuildLogout(const ClientIdentity& identity, const SecretString& token) {
  std::string out;
  AppendHead(out, kTypeLogout, identity);
  AppendElement(out, "session-token", token.reveal());
  out += "</config-auth>\n";
  return out;
}

std::string BuildLegacyFormBody(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  auto append = [&out](const std::pair<std::string, std::string>& field) {
    if (!out.empty()) {
      out += '&';
    }
    out += PercentEncode(field.first);
    out += '=';
    out += PercentEncode(field.second);
  };
  for (const auto& field : fields) {
    if (field.first == kGroupListField) {
      append(field);
    }
  }
  for (const auto& field : fields) {
    if (field.first != kGroupListField) {
      append(field);
    }
  }
  return out;
}

}  // namespace sekisho::proto::auth
