#include "client/preferences.h"

#include "base/strings.h"
#include "client/xdg_paths.h"

#include <pugixml.hpp>

#include <algorithm>
#include <sstream>

namespace sekisho::client {
namespace {

constexpr std::size_t kMaxPreferencesSize = 1u << 20;
constexpr const char* kRootName = "sekisho-preferences";

}  // namespace

const CertAcceptance* GatewayPrefs::FindAcceptance(std::string_view pin) const {
  for (const auto& record : accepted_certs) {
    if (record.pin == pin) {
      return &record;
    }
  }
  return nullptr;
}

void GatewayPrefs::Accept(std::string_view pin, std::string_view reason, std::string_view how) {
  for (auto& record : accepted_certs) {
    if (record.pin == pin) {
      record.reason = std::string(reason);
      record.how = std::string(how);
      return;
    }
  }
  accepted_certs.push_back(CertAcceptance{std::string(pin), std::string(reason), std::string(how)});
}

bool GatewayPrefs::Forget(std::string_view pin) {
  return std::erase_if(accepted_certs, [&](const auto& r) { return r.pin == pin; }) > 0;
}

Result<Preferences> Preferences::Load(std::string path) {
  SEKISHO_ASSIGN_OR_RETURN(auto content, ReadFileIfExists(path, kMaxPreferencesSize));
  if (!content) {
    return Preferences(std::move(path));
  }
  SEKISHO_ASSIGN_OR_RETURN(Preferences prefs, Parse(*content, path));
  prefs.path_ = std::move(path);
  return prefs;
}

Result<Preferences> Preferences::Parse(std::string_view xml, std::string source_name) {
  if (xml.size() > kMaxPreferencesSize) {
    return Fail(Errc::kTooLarge, source_name + ": file too large");
  }
  pugi::xml_document doc;
  // parse_default has no DOCTYPE processing beyond skipping it; nothing external is loaded.
  const pugi::xml_parse_result parsed = doc.load_buffer(xml.data(), xml.size());
  if (!parsed) {
    return Fail(Errc::kMalformed, source_name + ": " + parsed.description() + " at offset " +
                                      std::to_string(parsed.offset));
  }
  const pugi::xml_node root = doc.child(kRootName);
  if (!root) {
    return Fail(Errc::kMalformed,
                source_name + ": the root element is not <" + std::string(kRootName) + ">");
  }
  Preferences prefs;
  for (const pugi::xml_node node : root.children("gateway")) {
    const std::string key = node.attribute("key").as_string();
    if (key.empty()) {
      return Fail(Errc::kMalformed, source_name + ": <gateway> without a key");
    }
    GatewayPrefs& gateway = prefs.Upsert(key);
    gateway.server_cert_hash =
        std::string(TrimWhitespace(node.child("server-cert-hash").text().as_string()));
    gateway.last_group = node.child("last-group").text().as_string();
    for (const pugi::xml_node accepted : node.children("accepted-cert")) {
      const std::string pin = accepted.attribute("pin").as_string();
      if (!pin.empty()) {
        gateway.Accept(pin, accepted.attribute("reason").as_string(),
                       accepted.attribute("how").as_string());
      }
    }
  }
  return prefs;
}

std::string Preferences::Serialize() const {
  pugi::xml_document doc;
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  pugi::xml_node root = doc.append_child(kRootName);
  root.append_attribute("version") = "1";
  for (const auto& gateway : gateways_) {
    pugi::xml_node node = root.append_child("gateway");
    node.append_attribute("key") = gateway.key.c_str();
    if (!gateway.server_cert_hash.empty()) {
      node.append_child("server-cert-hash").text() = gateway.server_cert_hash.c_str();
    }
    if (!gateway.last_group.empty()) {
      node.append_child("last-group").text() = gateway.last_group.c_str();
    }
    for (const auto& record : gateway.accepted_certs) {
      pugi::xml_node accepted = node.append_child("accepted-cert");
      accepted.append_attribute("pin") = record.pin.c_str();
      accepted.append_attribute("reason") = record.reason.c_str();
      accepted.append_attribute("how") = record.how.c_str();
    }
  }
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

Result<void> Preferences::Save() const {
  if (path_.empty()) {
    return Fail(Errc::kIo, "preferences have no file path");
  }
  return WriteFileAtomic(path_, Serialize(), 0600);
}

const GatewayPrefs* Preferences::Find(std::string_view key) const {
  for (const auto& gateway : gateways_) {
    if (gateway.key == key) {
      return &gateway;
    }
  }
  return nullptr;
}

GatewayPrefs& Preferences::Upsert(std::string_view key) {
  for (auto& gateway : gateways_) {
    if (gateway.key == key) {
      return gateway;
    }
  }
  gateways_.push_back(GatewayPrefs{std::string(key), {}, {}, {}});
  return gateways_.back();
}

CertHashCheck CompareServerCertHash(const GatewayPrefs* prefs, std::string_view new_hash) {
  if (prefs == nullptr || prefs->server_cert_hash.empty()) {
    return CertHashCheck::kFirstSeen;
  }
  return EqualsIgnoreCase(prefs->server_cert_hash, TrimWhitespace(new_hash))
             ? CertHashCheck::kSame
             : CertHashCheck::kChanged;
}

}  // namespace sekisho::client
