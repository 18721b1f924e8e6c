#pragma once
// The connect flow's progress lines: what the user sees on stderr without -v, one line per
// step and never a secret (connect_flow.h). Interop scripts grep these lines, so their wording
// is an interface: change it only together with tests/interop.
//
// Lines often quote the gateway (banners, messages, group names, error texts, DISCONNECT
// reasons), so every line goes through TerminalSafe (terminal_text.h) before it is written:
// line breaks stay, escape sequences and other controls never reach the terminal.

#include "client/terminal_text.h"

#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sekisho::client {

// Writes one progress line on stderr (made terminal-safe) and flushes it, so that it shows
// before a blocking step.
// Where progress lines go: stderr by default; --syslog redirects them once the tunnel is up
// (syslog_output.h). `writer` gets the terminal-safe line; nullptr restores stderr.
using ProgressWriter = void (*)(const std::string& line);
void SetProgressWriter(ProgressWriter writer);
void WriteProgressLine(const std::string& line);

template <class... Args>
void Say(fmt::format_string<Args...> format, Args&&... args) {
  WriteProgressLine(
      TerminalSafe(fmt::format(format, std::forward<Args>(args)...), LineBreaks::kKeep));
}

// The items with `sep` between them ("a, b, c"); empty for no items.
std::string Join(const std::vector<std::string>& items, std::string_view sep);

}  // namespace sekisho::client
