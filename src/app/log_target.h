#pragma once
// Where the apps' log lines go (log.target): the pure decision and the structured fields a
// line carries to the journal. The sinks themselves are in system_log_sink.h.

#include "base/log.h"
#include "base/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sekisho::app {

enum class LogTarget { kAuto, kStderr, kJournal, kSyslog };

// "auto", "stderr", "journal", "syslog". Errors: kConfig naming the value.
Result<LogTarget> ParseLogTarget(std::string_view name);

// What the process can see about its stderr, as systemd documents for this choice
// (systemd.exec(5), $JOURNAL_STREAM): stderr is the journal's stream when the device and inode
// in $JOURNAL_STREAM ("DEV:INODE") are stderr's own.
struct StderrFacts {
  bool is_terminal = false;
  std::optional<std::string> journal_stream;  // $JOURNAL_STREAM, when set
  std::uint64_t stderr_device = 0;
  std::uint64_t stderr_inode = 0;
};

// `auto`: stderr on a terminal, the journal when stderr is the journal's stream (started by
// systemd), else stderr. An explicit target is kept (kAuto never comes back).
LogTarget ResolveLogTarget(LogTarget configured, const StderrFacts& facts);

// syslog(3)/journal priority of a level (LOG_DEBUG .. LOG_ERR).
int SyslogPriority(LogLevel level);

// Journal fields from a logger's component and session prefix: SEKISHO_COMPONENT always;
// "conn 7 198.18.0.2:4711 sess 3" gives SEKISHO_CONNECTION=7, SEKISHO_PEER=198.18.0.2:4711,
// SEKISHO_SESSION=3. Prefixes carry no secrets (base/log.h), so nothing is filtered.
std::vector<std::pair<std::string, std::string>> JournalFields(std::string_view component,
                                                               std::string_view prefix);

}  // namespace sekisho::app
