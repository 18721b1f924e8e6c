#include "ctl/app.h"

#include "ctl/client.h"
#include "ctl/format.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <ctime>
#include <string>
#include <type_traits>
#include <variant>

namespace sekisho::ctl {
namespace {

namespace pc = proto::ctl;

enum class Command {
  kNone,
  kStatus,
  kSessions,
  kDisconnect,
  kBans,
  kUnban,
  kTerminateUser,
  kReload,
};

// What the command line asked for, once parsed.
struct Invocation {
  Command command = Command::kNone;
  bool json = false;
  std::uint64_t id = 0;      // disconnect / terminate session
  std::string user;          // show sessions --user, show user, terminate user
  std::string unban_target;  // unban: an address, or a user name with --user
  bool unban_user = false;
};

pc::Request RequestFor(const Invocation& inv) {
  switch (inv.command) {
    case Command::kSessions: return pc::ShowSessionsRequest{inv.user};
    case Command::kTerminateUser: return pc::TerminateUserRequest{inv.user};
    case Command::kReload: return pc::ReloadRequest{};
    case Command::kDisconnect: return pc::DisconnectRequest{inv.id};
    case Command::kBans: return pc::ShowBansRequest{};
    case Command::kUnban:
      return pc::UnbanRequest{inv.unban_user ? pc::BanScope::kUser : pc::BanScope::kAddress,
                              inv.unban_target};
    case Command::kStatus:
    case Command::kNone: break;
  }
  return pc::ShowStatusRequest{};
}

// The response type each command expects; anything else is a protocol error.
template <class T>
bool Expected(Command command) {
  if constexpr (std::is_same_v<T, pc::StatusResponse>) {
    return command == Command::kStatus;
  } else if constexpr (std::is_same_v<T, pc::SessionsResponse>) {
    return command == Command::kSessions;
  } else if constexpr (std::is_same_v<T, pc::DisconnectResponse>) {
    return command == Command::kDisconnect;
  } else if constexpr (std::is_same_v<T, pc::BansResponse>) {
    return command == Command::kBans;
  } else if constexpr (std::is_same_v<T, pc::UnbanResponse>) {
    return command == Command::kUnban;
  } else if constexpr (std::is_same_v<T, pc::TerminateUserResponse>) {
    return command == Command::kTerminateUser;
  } else if constexpr (std::is_same_v<T, pc::ReloadResponse>) {
    return command == Command::kReload;
  } else {
    return true;  // ErrorResponse answers anything
  }
}

int Report(const Invocation& inv, const pc::Response& response, std::ostream& out,
           std::ostream& err) {
  return std::visit(
      [&](const auto& r) -> int {
        using T = std::decay_t<decltype(r)>;
        if (!Expected<T>(inv.command)) {
          err << "sekishoctl: unexpected answer\n";
          return kExitError;
        }
        if constexpr (std::is_same_v<T, pc::ErrorResponse>) {
          if (inv.json) {
            out << FormatResultJson(r.status, {{"message", JsonString(r.message)}});
          }
          err << "sekishoctl: gateway answered " << pc::StatusName(r.status)
              << (r.message.empty() ? "" : ": " + r.message) << "\n";
          return kExitError;
        } else if constexpr (std::is_same_v<T, pc::StatusResponse>) {
          out << (inv.json ? FormatStatusJson(r.info) : FormatStatusText(r.info));
          return kExitOk;
        } else if constexpr (std::is_same_v<T, pc::SessionsResponse>) {
          out << (inv.json ? FormatSessionsJson(r.sessions) : FormatSessionsText(r.sessions));
          return kExitOk;
        } else if constexpr (std::is_same_v<T, pc::BansResponse>) {
          out << (inv.json ? FormatBansJson(r.bans) : FormatBansText(r.bans, std::time(nullptr)));
          return kExitOk;
        } else if constexpr (std::is_same_v<T, pc::UnbanResponse>) {
          const char* what = inv.unban_user ? "user " : "address ";
          if (inv.json) {
            out << FormatResultJson(r.status,
                                    {{"scope", inv.unban_user ? "\"user\"" : "\"address\""},
                                     {"key", JsonString(inv.unban_target)}});
            return r.status == pc::Status::kOk ? kExitOk : kExitError;
          }
          if (r.status == pc::Status::kOk) {
            out << what << TerminalSafe(inv.unban_target) << " unbanned\n";
            return kExitOk;
          }
          err << "sekishoctl: no ban or failure record for " << what
              << TerminalSafe(inv.unban_target) << "\n";
          return kExitError;
        } else if constexpr (std::is_same_v<T, pc::TerminateUserResponse>) {
          if (inv.json) {
            out << FormatResultJson(r.status,
                                    {{"user", JsonString(inv.user)},
                                     {"sessions_ended", std::to_string(r.sessions_ended)}});
            return r.status == pc::Status::kOk ? kExitOk : kExitError;
          }
          if (r.status == pc::Status::kOk) {
            out << r.sessions_ended << " session(s) of user " << TerminalSafe(inv.user)
                << " terminated\n";
            return kExitOk;
          }
          err << "sekishoctl: user " << TerminalSafe(inv.user) << " has no session\n";
          return kExitError;
        } else if constexpr (std::is_same_v<T, pc::ReloadResponse>) {
          if (inv.json) {
            out << FormatResultJson(r.status, {{"message", JsonString(r.message)}});
          } else if (r.status == pc::Status::kOk) {
            out << "reloaded" << (r.message.empty() ? "" : ": " + TerminalSafe(r.message)) << "\n";
          } else {
            err << "sekishoctl: reload " << pc::StatusName(r.status)
                << (r.message.empty() ? "" : ": " + TerminalSafe(r.message)) << "\n";
          }
          return r.status == pc::Status::kOk ? kExitOk : kExitError;
        } else {
          if (inv.json) {
            out << FormatResultJson(r.status, {{"session_id", std::to_string(inv.id)}});
            return r.status == pc::Status::kOk ? kExitOk : kExitError;
          }
          if (r.status == pc::Status::kOk) {
            out << "session " << inv.id << " disconnected\n";
            return kExitOk;
          }
          err << "sekishoctl: no session " << inv.id << "\n";
          return kExitError;
        }
      },
      response);
}

int Execute(const Invocation& inv, const std::string& socket, double timeout_s, std::ostream& out,
            std::ostream& err) {
  auto timeout = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(timeout_s));
  auto client = CtlClient::Connect(socket, timeout);
  if (!client) {
    err << "sekishoctl: " << client.error().context << " (is sekishod running?)\n";
    return kExitNoConnect;
  }
  auto response = client->Call(RequestFor(inv));
  if (!response) {
    err << "sekishoctl: " << response.error().ToString() << "\n";
    return kExitError;
  }
  return Report(inv, *response, out, err);
}

}  // namespace

int RunSekishoCtl(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"sekishoctl: inspect and control a running sekishod", "sekishoctl"};
  std::string socket = kDefaultSocket;
  double timeout_s = 10;
  Invocation inv;

  app.add_option("-s,--socket", socket, "control socket of sekishod")->capture_default_str();
  app.add_option("--timeout", timeout_s, "seconds to wait for the gateway")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  app.require_subcommand(1);
  app.footer(
      "Commands:\n"
      "  show status | show sessions [--user NAME] | show user NAME\n"
      "  terminate session ID (alias: disconnect ID) | terminate user NAME\n"
      "  bans | unban ADDRESS | unban --user NAME | reload\n"
      "Every command takes --json: one JSON object on stdout (shapes in docs/protocol/ctl.md).\n"
      "Exit codes: 0 ok; 1 error answer, not found or bad usage; 2 gateway not reachable.");
  CLI::App* show = app.add_subcommand("show", "show gateway state");
  show->require_subcommand(1);
  CLI::App* status = show->add_subcommand("status", "uptime, session count, pool usage");
  status->add_flag("--json", inv.json, "JSON output");
  status->callback([&] { inv.command = Command::kStatus; });
  CLI::App* sessions = show->add_subcommand("sessions", "list sessions");
  sessions->add_flag("--json", inv.json, "JSON output");
  sessions->add_option("--user", inv.user, "only this user's sessions");
  sessions->callback([&] { inv.command = Command::kSessions; });
  CLI::App* show_user = show->add_subcommand("user", "list one user's sessions");
  show_user->add_option("name", inv.user, "user name")->required();
  show_user->add_flag("--json", inv.json, "JSON output");
  show_user->callback([&] { inv.command = Command::kSessions; });

  CLI::App* disconnect =
      app.add_subcommand("disconnect", "end a session (alias of terminate session)");
  disconnect->add_option("id", inv.id, "session id from `show sessions`")->required();
  disconnect->add_flag("--json", inv.json, "JSON output");
  disconnect->callback([&] { inv.command = Command::kDisconnect; });
  CLI::App* terminate = app.add_subcommand("terminate", "end sessions; their cookies stop working");
  terminate->require_subcommand(1);
  CLI::App* terminate_session = terminate->add_subcommand("session", "end one session");
  terminate_session->add_option("id", inv.id, "session id from `show sessions`")->required();
  terminate_session->add_flag("--json", inv.json, "JSON output");
  terminate_session->callback([&] { inv.command = Command::kDisconnect; });
  CLI::App* terminate_user = terminate->add_subcommand("user", "end every session of a user");
  terminate_user->add_option("name", inv.user, "user name")->required();
  terminate_user->add_flag("--json", inv.json, "JSON output");
  terminate_user->callback([&] { inv.command = Command::kTerminateUser; });
  CLI::App* reload = app.add_subcommand("reload", "ask sekishod to re-read its configuration");
  reload->add_flag("--json", inv.json, "JSON output");
  reload->callback([&] { inv.command = Command::kReload; });
  CLI::App* bans = app.add_subcommand("bans", "addresses and users the login throttle blocks");
  bans->add_flag("--json", inv.json, "JSON output");
  bans->callback([&] { inv.command = Command::kBans; });
  CLI::App* unban = app.add_subcommand("unban", "lift a login block: unban ADDRESS | --user NAME");
  CLI::Option* target = unban->add_option("address", inv.unban_target, "blocked address");
  CLI::Option* user = unban->add_option("--user", inv.unban_target, "blocked user name");
  unban->add_flag("--json", inv.json, "JSON output");
  target->excludes(user);
  unban->callback([&] {
    inv.command = Command::kUnban;
    inv.unban_user = user->count() > 0;
  });

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
  if (inv.command == Command::kNone) {
    err << app.help();
    return kExitError;
  }
  if (inv.command == Command::kUnban && inv.unban_target.empty()) {
    err << "sekishoctl: unban needs an ADDRESS or --user NAME\n";
    return kExitError;
  }
  return Execute(inv, socket, timeout_s, out, err);
}

}  // namespace sekisho::ctl
