#pragma once
// LogSinks for a daemon that is not on a terminal: the systemd journal (structured fields from
// log_target.h) and syslog(3) (facility daemon, through /dev/log). Both open their socket when
// created, so a sandboxed worker that may no longer create sockets can still log. An identifier
// "sekishod[worker 0]" logs as "sekishod" with "worker 0: " before each message.
// MakeLogSink picks the sink for a resolved target.

#include "app/log_target.h"
#include "base/log.h"

#include <memory>
#include <optional>
#include <string_view>

namespace sekisho::app {

// What this process's stderr is, for ResolveLogTarget.
StderrFacts CurrentStderrFacts();

std::unique_ptr<LogSink> MakeJournalSink(std::optional<LogLevel> level,
                                         std::string_view identifier);
std::unique_ptr<LogSink> MakeSyslogSink(std::optional<LogLevel> level, std::string_view identifier);

// `target` as ResolveLogTarget returned it (kAuto is treated as kStderr).
std::unique_ptr<LogSink> MakeLogSink(LogTarget target, std::optional<LogLevel> level,
                                     std::string_view identifier);

}  // namespace sekisho::app
