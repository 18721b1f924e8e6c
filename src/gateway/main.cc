// sekishod: the AnyConnect-compatible VPN gateway. Parses flags, loads the configuration and
// runs the Gateway; everything else lives in the gateway library.

#include "app/spdlog_sink.h"
#include "gateway/config.h"
#include "gateway/gateway.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

namespace {

int Main(int argc, char** argv) {
  CLI::App cli{"sekishod: AnyConnect-compatible SSL VPN gateway"};
  std::string config_path;
  bool check_only = false;
  std::string log_level;
  cli.add_option("-c,--config", config_path, "TOML configuration file")->required();
  cli.add_flag("--check-config", check_only, "validate the configuration, print it, and exit");
  cli.add_option("--log-level", log_level, "override log.level (trace, debug, info, warn, error)");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }

  auto config = sekisho::gateway::LoadConfig(config_path);
  if (!config) {
    std::fprintf(stderr, "sekishod: %s\n", config.error().ToString().c_str());
    return 1;
  }
  if (check_only) {
    std::cout << sekisho::gateway::DescribeConfig(*config);
    std::cout << "configuration OK\n";
    return 0;
  }
  std::string level_name = log_level.empty() ? config->log.level : log_level;
  std::optional<sekisho::LogLevel> level;
  if (level_name != "off") {
    auto parsed = sekisho::app::ParseLogLevel(level_name);
    if (!parsed) {
      std::fprintf(stderr, "sekishod: %s\n", parsed.error().ToString().c_str());
      return 1;
    }
    level = *parsed;
  }
  auto sink = sekisho::app::MakeStderrSink(level, "sekishod");
  auto gateway = sekisho::gateway::Gateway::Create(std::move(*config), *sink);
  if (!gateway) {
    std::fprintf(stderr, "sekishod: %s\n", gateway.error().ToString().c_str());
    return 1;
  }
  if (auto started = (*gateway)->Start(); !started) {
    std::fprintf(stderr, "sekishod: %s\n", started.error().ToString().c_str());
    return 1;
  }
  (*gateway)->Run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // No exception may escape (STYLE.md §3); one that does is a bug, reported clearly.
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sekishod: internal error: %s\n", e.what());
    return 70;
  }
}
