#pragma once
// LogSinks for a daemon that is not on a terminal: the systemd journal (structured fields from
// log_target.h), syslog(3) (facility daemon, through /dev/log), and stderr lines with a "<N>"
// priority prefix for children whose stderr is the journal's stream (systemd reads the prefix,
// SyslogLevelPrefix=). MakeLogSink picks one for a resolved target.

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
std::unique_ptr<LogSink> MakePriorityStderrSink(std::optional<LogLevel> level,
                                                std::string_view identifier);

// `target` as ResolveLogTarget returned it (kAuto is treated as kStderr).
std::unique_ptr<LogSink> MakeLogSink(LogTarget target, std::optional<LogLevel> level,
                                     std::string_view identifier);

}  // namespace sekisho::app
