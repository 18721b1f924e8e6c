#include "proto/auth/client_message.h"

#include "base/encoding.h"
#include "base/strings.h"
#include "proto/auth/wire.h"
#include "proto/auth/xml_util.h"

#include <pugixml.hpp>

namespace sekisho::proto::auth {
namespace {

using internal::FirstChild;
using internal::TextOf;
using internal::TrimmedTextOf;

Opaque DecodeOpaque(const pugi::xml_node& node) {
  Opaque opaque;
  opaque.tunnel_group = TrimmedTextOf(FirstChild(node, "tunnel-group"));
  opaque.group_alias = TrimmedTextOf(FirstChild(node, "group-alias"));
  opaque.aggauth_handle = TrimmedTextOf(FirstChild(node, "aggauth-handle"));
  opaque.config_hash = TrimmedTextOf(FirstChild(node, "config-hash"));
  for (pugi::xml_node child : node.children("auth-method")) {
    opaque.auth_methods.push_back(TrimmedTextOf(child));
  }
  return opaque;
}

std::optional<ClientMessageType> TypeFromAttribute(std::string_view type) {
  if (type == kTypeInit) {
    return ClientMessageType::kInit;
  }
  if (type == kTypeAuthReply) {
    return ClientMessageType::kAuthReply;
  }
  if (type == kTypeLogout) {
    return ClientMessageType::kLogout;
  }
  return std::nullopt;
}

}  // namespace

std::string_view ToString(ClientMessageType type) {
  switch (type) {
    case ClientMessageType::kInit: return kTypeInit;
    case ClientMessageType::kAuthReply: return kTypeAuthReply;
    case ClientMessageType::kLogout: return kTypeLogout;
  }
  return "unknown";
}

const SecretString* ClientMessage::FindField(std::string_view name) const {
  for (const auto& [field_name, value] : fields) {
    if (field_name == name) {
      return &value;
    }
  }
  return nullptr;
}

bool LooksLikeXml(std::string_view body) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (body.substr(0, kBom.size()) == kBom) {
    body.remove_prefix(kBom.size());
  }
  body = TrimWhitespace(body);
  return body.starts_with("<?xml") || body.starts_with("<config-auth");
}

Result<ClientMessage> ParseClientMessage(std::string_view body) {
  pugi::xml_document doc;
  SEKISHO_TRY(internal::LoadXml(body, doc));
  pugi::xml_node root = doc.document_element();
  if (std::string_view(root.name()) != "config-auth") {
    return Fail(Errc::kMalformed, "root element is not config-auth");
  }

  ClientMessage msg;
  msg.aggregate_v2 =
      std::string_view(root.attribute("aggregate-auth-version").value()) == kAggregateAuthVersion;

  // One pass over the children; first occurrence wins for scalars, as ocserv's string search
  // would find the first one too.
  bool have_version = false;
  bool have_device = false;
  bool have_access = false;
  bool have_group = false;
  bool have_auth = false;
  bool have_opaque = false;
  bool have_token = false;
  for (pugi::xml_node child = root.first_child(); child; child = child.next_sibling()) {
    if (child.type() != pugi::node_element) {
      continue;
    }
    std::string_view name = child.name();
    if (name == "version" && !have_version) {
      have_version = true;
      msg.client_version = TrimmedTextOf(child);
    } else if (name == "device-id" && !have_device) {
      have_device = true;
      msg.device_id = TrimmedTextOf(child);
    } else if (name == "capabilities") {
      for (pugi::xml_node method : child.children("auth-method")) {
        msg.auth_methods.push_back(TrimmedTextOf(method));
      }
    } else if (name == "group-access" && !have_access) {
      have_access = true;
      msg.group_access = TrimmedTextOf(child);
    } else if (name == "group-select" && !have_group) {
      have_group = true;
      std::string group = TrimmedTextOf(child);
      if (!group.empty()) {
        msg.group_select = std::move(group);
      }
    } else if (name == "auth" && !have_auth) {
      have_auth = true;
      for (pugi::xml_node field = child.first_child(); field; field = field.next_sibling()) {
        if (field.type() == pugi::node_element) {
          msg.fields.emplace_back(field.name(), SecretString(TextOf(field)));
        }
      }
    } else if (name == "opaque" && !have_opaque) {
      have_opaque = true;
      msg.opaque_xml = internal::SerializeRaw(child);
      msg.opaque = DecodeOpaque(child);
    } else if (name == "session-token" && !have_token) {
      have_token = true;
      msg.session_token = SecretString(TrimmedTextOf(child));
    } else if (name == "client-cert-fail") {
      msg.client_cert_fail = true;
    }
  }

  // ocserv ignores `type` entirely; we honour it when it is one we know and otherwise infer
  // it from the content, so a client that omits it still gets through.
  if (auto type = TypeFromAttribute(root.attribute("type").value())) {
    msg.type = *type;
  } else if (!msg.fields.empty()) {
    msg.type = ClientMessageType::kAuthReply;
  } else if (!msg.session_token.empty()) {
    msg.type = ClientMessageType::kLogout;
  } else {
    msg.type = ClientMessageType::kInit;
  }
  return msg;
}

Result<ClientMessage> ParseLegacyFormBody(std::string_view body) {
  if (body.size() > kMaxBodySize) {
    return Fail(Errc::kTooLarge, "form body over 64 KiB");
  }
  ClientMessage msg;
  for (std::string_view pair : Split(TrimWhitespace(body), '&', /*skip_empty=*/true)) {
    std::size_t eq = pair.find('=');
    std::string_view raw_name = pair.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    auto name = PercentDecode(raw_name, /*plus_is_space=*/true);
    auto value = PercentDecode(raw_value, /*plus_is_space=*/true);
    if (!name || !value) {
      return Fail(Errc::kMalformed, "bad percent-escape in form body");
    }
    if (name->empty()) {
      return Fail(Errc::kMalformed, "empty field name in form body");
    }
    if (*name == kGroupListField) {
      if (!msg.group_select && !value->empty()) {
        msg.group_select = std::move(*value);
      }
    } else {
      msg.fields.emplace_back(std::move(*name), SecretString(std::move(*value)));
    }
  }
  msg.type = msg.fields.empty() ? ClientMessageType::kInit : ClientMessageType::kAuthReply;
  return msg;
}

}  // namespace sekisho::proto::auth
