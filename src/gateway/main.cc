// sekishod: the AnyConnect-compatible VPN gateway. Parses flags, loads the configuration and
// runs one of its process roles (docs/architecture.md): main (the default, which starts the
// others), the security module, or a worker. Everything else lives in the gateway library.

#include "app/spdlog_sink.h"
#include "app/system_log_sink.h"
#include "gateway/config.h"
#include "gateway/gateway.h"
#include "gateway/sandbox_linux.h"
#include "gateway/secmod.h"
#include "gateway/secret_file.h"
#include "gateway/worker.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

namespace {

int Main(int argc, char** argv) {
  CLI::App cli{"sekishod: AnyConnect-compatible SSL VPN gateway"};
  std::string config_path;
  bool check_only = false;
  bool single_process = false;
  std::string log_level;
  std::string role = "main";
  int worker_index = 0;
  std::uint16_t dtls_port = 0;
  cli.add_option("-c,--config", config_path, "TOML configuration file")->required();
  cli.add_flag("--check-config", check_only, "validate the configuration, print it, and exit");
  cli.add_option("--log-level", log_level, "override log.level (trace, debug, info, warn, error)");
  cli.add_flag("--single-process", single_process,
               "debugging: serve clients in this one process (it then reads the private key)");
  // Set by main when it starts its children; not for users.
  cli.add_option("--role", role)->check(CLI::IsMember({"main", "sec-mod", "worker"}))->group("");
  cli.add_option("--worker-index", worker_index)->group("");
  cli.add_option("--dtls-port", dtls_port)->group("");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  // Every role holds secrets (main: cookies; sec-mod: the key; workers: session keys), so no
  // role may leave a core dump or be read through /proc by a same-uid process.
  if (auto forbidden = sekisho::gateway::ForbidCoreDumps(); !forbidden) {
    std::fprintf(stderr, "sekishod: %s\n", forbidden.error().ToString().c_str());
    return 1;
  }

  auto config = sekisho::gateway::LoadConfig(config_path);
  if (!config) {
    std::fprintf(stderr, "sekishod: %s\n", config.error().ToString().c_str());
    return 1;
  }
  if (auto secrets = sekisho::gateway::CheckSecretFiles(*config); !secrets) {
    std::fprintf(stderr, "sekishod: %s\n", secrets.error().ToString().c_str());
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
  // log.target (docs/config.md), the same in every role.
  auto target = sekisho::app::ResolveLogTarget(
      sekisho::app::ParseLogTarget(config->log.target).value_or(sekisho::app::LogTarget::kAuto),
      sekisho::app::CurrentStderrFacts());
  auto child_sink = [&](const std::string& name) {
    return sekisho::app::MakeLogSink(target, level, name);
  };
  if (role == "sec-mod") {
    auto sink = child_sink("sekishod[sec-mod]");
    return sekisho::gateway::RunSecMod(*config, {}, *sink);
  }
  if (role == "worker") {
    auto sink = child_sink("sekishod[worker " + std::to_string(worker_index) + "]");
    sekisho::gateway::WorkerOptions options;
    options.index = worker_index;
    options.dtls_port = dtls_port;
    return sekisho::gateway::RunWorker(*config, options, *sink);
  }

  auto sink = sekisho::app::MakeLogSink(target, level, "sekishod");
  sekisho::gateway::GatewayOptions options;
  options.single_process = single_process;
  std::error_code ec;
  options.config_path = std::filesystem::absolute(config_path, ec).string();
  options.log_level = log_level;
  auto gateway = sekisho::gateway::Gateway::Create(std::move(*config), options, *sink);
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
