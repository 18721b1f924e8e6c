#pragma once
// The LogSink the apps install: spdlog to stderr with time, level, component and session
// prefix. Secrets never arrive here formatted (base/redacted.h), so nothing is filtered.

#include "base/log.h"
#include "base/result.h"

#include <memory>
#include <optional>
#include <string_view>

namespace sekisho::app {

// Level names: trace, debug, info, warn, error, off. Errors: kConfig for an unknown name.
Result<LogLevel> ParseLogLevel(std::string_view name);

// Creates a sink writing to stderr at `level` and above. `off` is expressed as level = nullopt.
std::unique_ptr<LogSink> MakeStderrSink(std::optional<LogLevel> level, std::string_view app_name);

}  // namespace sekisho::app
