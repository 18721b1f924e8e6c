#include "gateway/config_diagnostics.h"

namespace sekisho::gateway::config_internal {

void Diagnostics::Add(const toml::source_region& where, const std::string& message) {
  std::string line = source_.empty() ? std::string("<config>") : source_;
  if (where.begin.line > 0) {
    line += ":" + std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column);
  }
  errors_.push_back(line + ": " + message);
}

std::string Diagnostics::Joined() const {
  std::string out;
  for (const std::string& e : errors_) {
    out += (out.empty() ? "" : "\n") + e;
  }
  return out;
}

}  // namespace sekisho::gateway::config_internal
