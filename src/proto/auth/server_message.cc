#include "proto/auth/server_message.h"

#include "proto/auth/wire.h"
#include "proto/auth/xml_util.h"

#include <pugixml.hpp>

namespace sekisho::proto::auth {
namespace {

using internal::FirstChild;
using internal::TextOf;
using internal::TrimmedTextOf;

bool AttrIs(const pugi::xml_node& node, const char* name, std::string_view value) {
  return std::string_view(node.attribute(name).value()) == value;
}

// <option>: the text is the label; @value, when absent, defaults to the text (openconnect).
SelectOption ParseOption(const pugi::xml_node& node) {
  SelectOption option;
  option.label = TrimmedTextOf(node);
  pugi::xml_attribute value = node.attribute("value");
  option.value = value ? value.value() : option.label;
  option.selected = AttrIs(node, "selected", "true");
  return option;
}

std::optional<FormField> ParseSelect(const pugi::xml_node& node) {
  FormField field;
  field.kind = FormField::kSelect;
  field.name = node.attribute("name").value();
  if (!internal::IsSafeElementName(field.name)) {
    return std::nullopt;
  }
  field.label = node.attribute("label").value();
  field.second_auth = AttrIs(node, "second-auth", "1");
  for (pugi::xml_node child : node.children("option")) {
    field.options.push_back(ParseOption(child));
  }
  // openconnect's default: the last option marked selected, else the first.
  for (const SelectOption& option : field.options) {
    if (option.selected) {
      field.value = option.value;
    }
  }
  if (field.value.empty() && !field.options.empty()) {
    field.value = field.options.front().value;
  }
  return field;
}

std::optional<FormField> ParseInput(const pugi::xml_node& node) {
  FormField field;
  std::string_view type = node.attribute("type").value();
  if (type == "text") {
    field.kind = FormField::kText;
  } else if (type == "password") {
    field.kind = FormField::kPassword;
  } else if (type == "hidden") {
    field.kind = FormField::kHidden;
  } else if (type == "sso") {
    field.kind = FormField::kSso;
  } else {
    return std::nullopt;  // submit, reset and anything unknown (openconnect ignores them)
  }
  field.name = node.attribute("name").value();
  // The name becomes an element name in our auth-reply; a hostile gateway must not be able to
  // inject markup through it.
  if (!internal::IsSafeElementName(field.name)) {
    return std::nullopt;
  }
  field.label = node.attribute("label").value();
  field.value = node.attribute("value").value();
  field.second_auth = AttrIs(node, "second-auth", "1");
  return field;
}

AuthForm ParseAuth(const pugi::xml_node& auth) {
  AuthForm form;
  form.auth_id = auth.attribute("id").value();
  bool have_form = false;
  for (pugi::xml_node child = auth.first_child(); child; child = child.next_sibling()) {
    if (child.type() != pugi::node_element) {
      continue;
    }
    std::string_view name = child.name();
    if (name == "title") {
      form.title = TextOf(child);
    } else if (name == "banner") {
      form.banner = TextOf(child);
    } else if (name == "message") {
      form.message = internal::SubstitutedMessage(child);
    } else if (name == "error") {
      form.error = internal::SubstitutedMessage(child);
    } else if (name == "authentication-complete") {
      form.authentication_complete = true;
    } else if (name == "form" && !have_form) {
      have_form = true;
      if (pugi::xml_attribute action = child.attribute("action"); action && *action.value()) {
        form.action = action.value();
      }
      if (pugi::xml_attribute method = child.attribute("method"); method && *method.value()) {
        form.method = method.value();
      }
      for (pugi::xml_node item = child.first_child(); item; item = item.next_sibling()) {
        std::optional<FormField> field;
        if (std::string_view(item.name()) == "input") {
          field = ParseInput(item);
        } else if (std::string_view(item.name()) == "select") {
          field = ParseSelect(item);
        }
        if (field) {
          form.fields.push_back(std::move(*field));
        }
      }
    }
  }
  return form;
}

void ParseFileList(const pugi::xml_node& manifest, bool profiles_only,
                   std::vector<ProfileEntry>& out) {
  for (pugi::xml_node vpn : manifest.children("vpn")) {
    for (pugi::xml_node file : vpn.children("file")) {
      if (profiles_only && !AttrIs(file, "type", "profile")) {
        continue;
      }
      ProfileEntry entry;
      entry.uri = TrimmedTextOf(FirstChild(file, "uri"));
      entry.sha1 = TrimmedTextOf(FirstChild(file, "hash"));
      if (!entry.uri.empty()) {
        out.push_back(std::move(entry));
      }
    }
  }
}

void ParseConfig(const pugi::xml_node& config, ServerMessage& msg) {
  pugi::xml_node base = FirstChild(config, "vpn-base-config");
  msg.base_package_uri = TrimmedTextOf(FirstChild(base, "base-package-uri"));
  msg.server_cert_hash = TrimmedTextOf(FirstChild(base, "server-cert-hash"));
  for (pugi::xml_node opaque : config.children("opaque")) {
    ParseFileList(FirstChild(opaque, "vpn-core-manifest"), /*profiles_only=*/false, msg.core_files);
  }
  ParseFileList(FirstChild(config, "vpn-profile-manifest"), /*profiles_only=*/true, msg.profiles);
}

}  // namespace

std::string_view ToString(ServerMessage::Type type) {
  switch (type) {
    case ServerMessage::kAuthRequest: return "auth-request";
    case ServerMessage::kComplete: return "complete";
    case ServerMessage::kError: return "error";
  }
  return "unknown";
}

Result<ServerMessage> ParseServerMessage(std::string_view body) {
  pugi::xml_document doc;
  SEKISHO_TRY(internal::LoadXml(body, doc));
  pugi::xml_node root = doc.document_element();
  std::string_view root_name = root.name();

  ServerMessage msg;
  pugi::xml_node auth;
  pugi::xml_node top_error;
  if (root_name == "auth") {
    // Legacy (pre-aggregate) document: the auth node is the root (§3.11).
    auth = root;
  } else if (root_name == "config-auth") {
    msg.aggregate_v2 = AttrIs(root, "aggregate-auth-version", kAggregateAuthVersion);
    for (pugi::xml_node child = root.first_child(); child; child = child.next_sibling()) {
      if (child.type() != pugi::node_element) {
        continue;
      }
      std::string_view name = child.name();
      if (name == "auth" && !auth) {
        auth = child;
      } else if (name == "opaque" && msg.opaque_xml.empty()) {
        // openconnect keeps a copy of the node and splices it into the next auth-reply.
        msg.opaque_xml = internal::SerializeRaw(child);
      } else if (name == "client-cert-request") {
        msg.client_cert_request = true;
      } else if (name == "session-id") {
        msg.session_id = TrimmedTextOf(child);
      } else if (name == "session-token") {
        msg.session_token = SecretString(TrimmedTextOf(child));
      } else if (name == "config") {
        ParseConfig(child, msg);
      } else if (name == "error" && !top_error) {
        top_error = child;
      }
    }
  } else {
    return Fail(Errc::kMalformed, "root element is neither config-auth nor auth");
  }

  if (auth) {
    msg.form = ParseAuth(auth);
    msg.banner = msg.form->banner;
    msg.message = msg.form->message;
  }
  if (top_error) {
    msg.error_text = internal::SubstitutedMessage(top_error);
  }

  if (msg.form && msg.form->auth_id == kAuthIdSuccess) {
    msg.type = ServerMessage::kComplete;
  } else if (msg.form && (!msg.form->fields.empty() || msg.form->authentication_complete)) {
    msg.type = ServerMessage::kAuthRequest;
  } else if (msg.client_cert_request) {
    msg.type = ServerMessage::kAuthRequest;
  } else if (msg.form) {
    // openconnect: a form without fields is printed and the login fails.
    msg.type = ServerMessage::kError;
    if (msg.error_text.empty()) {
      msg.error_text = !msg.form->error.empty() ? msg.form->error : msg.form->message;
    }
  } else if (top_error) {
    msg.type = ServerMessage::kError;
  } else {
    return Fail(Errc::kProtocol, "XML response has no auth node");
  }
  return msg;
}

}  // namespace sekisho::proto::auth
