#pragma once
// Diagnostics: the error list of the configuration loader (config.h). It collects every
// problem, each prefixed with "<file>:<line>:<column>: ", so that one run of --check-config shows
// them all. Internal to the loader: only the config*.cc files use config_internal.

#include <toml++/toml.h>

#include <string>
#include <utility>
#include <vector>

namespace sekisho::gateway::config_internal {

class Diagnostics {
 public:
  explicit Diagnostics(std::string source) : source_(std::move(source)) {}

  void Add(const toml::source_region& where, const std::string& message);
  bool ok() const { return errors_.empty(); }
  std::string Joined() const;
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::vector<std::string> errors_;
};

}  // namespace sekisho::gateway::config_internal
