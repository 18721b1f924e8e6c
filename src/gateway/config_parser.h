#pragma once
// ConfigParser: turns a parsed TOML document into a validated GatewayConfig (config.h), one
// reader per section ([listen], [tls], [auth], [network], [tunnel], [dtls], [process],
// [limits], [control], [log], [downloads], [[group]]) plus the checks across sections. Internal to
// the loader: ParseConfig() is the entry point.

#include "gateway/config.h"
#include "gateway/config_diagnostics.h"

#include <toml++/toml.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::gateway::config_internal {

class TableReader;

// One use: construct, then Run(). `root` must outlive the parser. Relative paths are resolved
// against the directory of `source_name`.
class ConfigParser {
 public:
  ConfigParser(const toml::table& root, std::string_view source_name)
      : diag_(std::string(source_name)),
        root_(root),
        base_dir_(std::filesystem::path(source_name).parent_path()) {}

  // Errors: kConfig with every problem found, one per line (see ParseConfig).
  Result<GatewayConfig> Run();

 private:
  std::string Resolve(const std::string& path) const;
  // One reader per section; each reports into diag_ and fills config_.
  void Listen(const toml::table& t);
  void Tls(const toml::table& t);
  void Auth(const toml::table& t);
  void AuthThrottle(const toml::table& t);
  void Network(const toml::table& t);
  // A list of domain names (split_dns); nullopt when the key is absent.
  std::optional<std::vector<std::string>> DomainList(TableReader& r, std::string_view table,
                                                     std::string_view key);
  void Tunnel(const toml::table& t);
  void Dtls(const toml::table& t);
  void Process(const toml::table& t);
  void Limits(const toml::table& t);
  void Control(const toml::table& t);
  void Metrics(const toml::table& t);
  void Log(const toml::table& t);
  void Hooks(const toml::table& t);
  void Downloads(const toml::table& t);
  void Groups(const toml::node* node);
  void Group(const toml::table& t);
  static bool IsSupportedCertificateField(std::string_view oid);

  Diagnostics diag_;
  const toml::table& root_;
  std::filesystem::path base_dir_;
  GatewayConfig config_;
};

}  // namespace sekisho::gateway::config_internal
