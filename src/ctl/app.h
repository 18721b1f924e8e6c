#pragma once
// The sekishoctl command line, as a function so tests can run it in-process:
//
//   sekishoctl [--socket PATH] [--timeout SECONDS] show status [--json]
//   sekishoctl [--socket PATH] show sessions [--user NAME] [--json]
//   sekishoctl [--socket PATH] show user NAME [--json]
//   sekishoctl [--socket PATH] terminate session ID [--json]    (alias: disconnect ID)
//   sekishoctl [--socket PATH] terminate user NAME [--json]
//   sekishoctl [--socket PATH] bans [--json]
//   sekishoctl [--socket PATH] unban ADDRESS | --user NAME [--json]
//   sekishoctl [--socket PATH] reload [--json]
//
// Every --json output is one object; the shapes are in docs/protocol/ctl.md.

#include <ostream>

namespace sekisho::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;      // error answer, session not found, bad usage
inline constexpr int kExitNoConnect = 2;  // the control socket could not be reached

inline constexpr const char* kDefaultSocket = "/run/sekishod.sock";

// Parses `argv`, talks to the gateway and writes results to `out`, diagnostics to `err`.
// Returns one of the kExit* codes. Never throws.
int RunSekishoCtl(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace sekisho::ctl
