#include "ctl/app.h"

#include "ctl/client.h"
#include "ctl/format.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>

namespace sekisho::ctl {
namespace {

namespace pc = proto::ctl;

enum class Command { kNone, kStatus, kSessions, kDisconnect };

int Execute(Command command, const std::string& socket, double timeout_s, bool json,
            std::uint64_t id, std::ostream& out, std::ostream& err) {
  auto timeout = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(timeout_s));
  auto client = CtlClient::Connect(socket, timeout);
  if (!client) {
    err << "sekishoctl: " << client.error().context << " (is sekishod running?)\n";
    return kExitNoConnect;
  }
  pc::Request request = pc::ShowStatusRequest{};
  if (command == Command::kSessions) {
    request = pc::ShowSessionsRequest{};
  } else if (command == Command::kDisconnect) {
    request = pc::DisconnectRequest{id};
  }
  auto response = client->Call(request);
  if (!response) {
    err << "sekishoctl: " << response.error().ToString() << "\n";
    return kExitError;
  }
  return std::visit(
      [&](const auto& r) -> int {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, pc::ErrorResponse>) {
          err << "sekishoctl: gateway answered " << pc::StatusName(r.status)
              << (r.message.empty() ? "" : ": " + r.message) << "\n";
          return kExitError;
        } else if constexpr (std::is_same_v<T, pc::StatusResponse>) {
          if (command != Command::kStatus) {
            err << "sekishoctl: unexpected answer\n";
            return kExitError;
          }
          out << (json ? FormatStatusJson(r.info) : FormatStatusText(r.info));
          return kExitOk;
        } else if constexpr (std::is_same_v<T, pc::SessionsResponse>) {
          if (command != Command::kSessions) {
            err << "sekishoctl: unexpected answer\n";
            return kExitError;
          }
          out << (json ? FormatSessionsJson(r.sessions) : FormatSessionsText(r.sessions));
          return kExitOk;
        } else {
          if (command != Command::kDisconnect) {
            err << "sekishoctl: unexpected answer\n";
            return kExitError;
          }
          if (r.status == pc::Status::kOk) {
            out << "session " << id << " disconnected\n";
            return kExitOk;
          }
          err << "sekishoctl: no session " << id << "\n";
          return kExitError;
        }
      },
      *response);
}

}  // namespace

int RunSekishoCtl(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"sekishoctl: inspect and control a running sekishod", "sekishoctl"};
  std::string socket = kDefaultSocket;
  double timeout_s = 10;
  bool json = false;
  std::uint64_t id = 0;
  Command command = Command::kNone;

  app.add_option("-s,--socket", socket, "control socket of sekishod")->capture_default_str();
  app.add_option("--timeout", timeout_s, "seconds to wait for the gateway")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  app.require_subcommand(1);
  CLI::App* show = app.add_subcommand("show", "show gateway state");
  show->require_subcommand(1);
  CLI::App* status = show->add_subcommand("status", "uptime, session count, pool usage");
  status->add_flag("--json", json, "JSON output");
  status->callback([&] { command = Command::kStatus; });
  CLI::App* sessions = show->add_subcommand("sessions", "list sessions");
  sessions->add_flag("--json", json, "JSON output");
  sessions->callback([&] { command = Command::kSessions; });
  CLI::App* disconnect = app.add_subcommand("disconnect", "end a session (no reconnect)");
  disconnect->add_option("id", id, "session id from `show sessions`")->required();
  disconnect->callback([&] { command = Command::kDisconnect; });

  // CLI11 reports usage errors and --help by exception; this is their boundary.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);
    return code == 0 ? kExitOk : kExitError;
  } catch (const std::exception& e) {
    err << "sekishoctl: " << e.what() << "\n";
    return kExitError;
  }
  if (command == Command::kNone) {
    err << app.help();
    return kExitError;
  }
  return Execute(command, socket, timeout_s, json, id, out, err);
}

}  // namespace sekisho::ctl
