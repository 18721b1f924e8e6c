#include "gateway/config_table_reader.h"

namespace sekisho::gateway::config_internal {

const toml::node* TableReader::Get(std::string_view key) {
  used_.insert(std::string(key));
  return table_.get(key);
}

void TableReader::String(std::string_view key, std::string& out) {
  if (const toml::node* n = Get(key)) {
    if (auto v = n->value<std::string>(); v && n->is_string()) {
      out = *v;
    } else {
      TypeError(*n, key, "a string");
    }
  }
}

void TableReader::OptString(std::string_view key, std::optional<std::string>& out) {
  if (table_.contains(key)) {
    std::string v;
    String(key, v);
    out = std::move(v);
  }
}

void TableReader::Bool(std::string_view key, bool& out) {
  if (const toml::node* n = Get(key)) {
    if (n->is_boolean()) {
      out = n->as_boolean()->get();
    } else {
      TypeError(*n, key, "true or false");
    }
  }
}

bool TableReader::StringList(std::string_view key,
                             std::vector<std::pair<std::string, toml::source_region>>& out) {
  const toml::node* n = Get(key);
  if (n == nullptr) {
    return false;
  }
  const toml::array* arr = n->as_array();
  if (arr == nullptr) {
    TypeError(*n, key, "a list of strings");
    return false;
  }
  for (const toml::node& el : *arr) {
    if (!el.is_string()) {
      TypeError(el, key, "a list of strings");
      return false;
    }
    out.emplace_back(el.as_string()->get(), el.source());
  }
  return true;
}

std::optional<std::vector<std::uint32_t>> TableReader::AddressList(std::string_view key) {
  std::vector<std::pair<std::string, toml::source_region>> items;
  if (!StringList(key, items)) {
    return std::nullopt;
  }
  std::vector<std::uint32_t> out;
  for (const auto& [text, where] : items) {
    auto a = ParseIpv4Address(text);
    if (!a) {
      diag_.Add(where, Name(key) + ": " + a.error().context);
      continue;
    }
    out.push_back(*a);
  }
  return out;
}

std::optional<std::vector<Ipv4Cidr>> TableReader::CidrList(std::string_view key) {
  std::vector<std::pair<std::string, toml::source_region>> items;
  if (!StringList(key, items)) {
    return std::nullopt;
  }
  std::vector<Ipv4Cidr> out;
  for (const auto& [text, where] : items) {
    auto c = ParseIpv4Cidr(text);
    if (!c) {
      diag_.Add(where, Name(key) + ": " + c.error().context);
      continue;
    }
    out.push_back(*c);
  }
  return out;
}

std::optional<Ipv4Cidr> TableReader::Pool(std::string_view key) {
  const toml::node* n = Get(key);
  if (n == nullptr) {
    return std::nullopt;
  }
  if (!n->is_string()) {
    TypeError(*n, key, "a CIDR string such as \"10.10.0.0/24\"");
    return std::nullopt;
  }
  auto c = ParseIpv4Cidr(n->as_string()->get());
  if (!c) {
    diag_.Add(n->source(), Name(key) + ": " + c.error().context);
    return std::nullopt;
  }
  if (c->prefix_len < 8 || c->prefix_len > 30) {
    diag_.Add(n->source(), Name(key) + ": prefix length must be between /8 and /30");
    return std::nullopt;
  }
  return *c;
}

const toml::table* TableReader::Table(std::string_view key) {
  const toml::node* n = Get(key);
  if (n == nullptr) {
    return nullptr;
  }
  if (!n->is_table()) {
    TypeError(*n, key, "a table");
    return nullptr;
  }
  return n->as_table();
}

void TableReader::Require(std::string_view key, const std::string& value) {
  if (value.empty()) {
    diag_.Add(table_.source(), Name(key) + " is required");
  }
}

void TableReader::Finish() {
  for (const auto& [key, node] : table_) {
    if (used_.count(std::string(key.str())) == 0) {
      diag_.Add(key.source(), "unknown key " + Name(key.str()));
    }
  }
}

std::string TableReader::Name(std::string_view key) const {
  return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

void TableReader::TypeError(const toml::node& n, std::string_view key, std::string_view expected) {
  diag_.Add(n.source(), Name(key) + " must be " + std::string(expected));
}

}  // namespace sekisho::gateway::config_internal
