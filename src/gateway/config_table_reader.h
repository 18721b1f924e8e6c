#pragma once
// TableReader: reads typed keys from one TOML table of the gateway configuration (config.h) and
// remembers which were used, so that Finish() can report the rest as unknown. Every problem
// goes to the Diagnostics with the key's full name ("auth.throttle.window") and its position.

#include "gateway/config.h"
#include "gateway/config_diagnostics.h"

#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sekisho::gateway::config_internal {

// `diag` and `table` must outlive the reader.
class TableReader {
 public:
  TableReader(Diagnostics& diag, const toml::table& table, std::string prefix)
      : diag_(diag), table_(table), prefix_(std::move(prefix)) {}

  const toml::node* Get(std::string_view key);

  void String(std::string_view key, std::string& out);
  void OptString(std::string_view key, std::optional<std::string>& out);
  void Bool(std::string_view key, bool& out);
  template <class T>
  void Uint(std::string_view key, T& out, std::int64_t min, std::int64_t max) {
    if (const toml::node* n = Get(key)) {
      if (!n->is_integer()) {
        TypeError(*n, key, "an integer");
        return;
      }
      std::int64_t v = n->as_integer()->get();
      if (v < min || v > max) {
        diag_.Add(n->source(), Name(key) + " must be between " + std::to_string(min) + " and " +
                                   std::to_string(max) + ", got " + std::to_string(v));
        return;
      }
      out = static_cast<T>(v);
    }
  }
  // A list of strings; returns false (after reporting) when the value is not one.
  bool StringList(std::string_view key,
                  std::vector<std::pair<std::string, toml::source_region>>& out);
  std::optional<std::vector<std::uint32_t>> AddressList(std::string_view key);
  std::optional<std::vector<Ipv4Cidr>> CidrList(std::string_view key);
  // A pool: a CIDR with room for the gateway address, at least one client, and a bitmap of
  // reasonable size.
  std::optional<Ipv4Cidr> Pool(std::string_view key);
  const toml::table* Table(std::string_view key);
  void Require(std::string_view key, const std::string& value);
  void Finish();
  std::string Name(std::string_view key) const;
  Diagnostics& diag() { return diag_; }

 private:
  void TypeError(const toml::node& n, std::string_view key, std::string_view expected);

  Diagnostics& diag_;
  const toml::table& table_;
  std::string prefix_;
  std::set<std::string> used_;
};

}  // namespace sekisho::gateway::config_internal
