#pragma once
// Text and JSON renderings of control-protocol answers for sekishoctl. Pure functions.
// JSON output is one object per invocation, keys in snake_case, byte counters as integers, so
// scripts can pipe it to jq.

#include "proto/ctl/messages.h"

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sekisho::ctl {

// A JSON string literal, quotes included; control characters and non-ASCII bytes below 0x20
// are escaped as \uXXXX, invalid UTF-8 passes through unchanged.
std::string JsonString(std::string_view s);
// "512 B", "1.5 KiB", "3.2 GiB".
std::string HumanBytes(std::uint64_t bytes);
// "45s", "12m05s", "3h02m", "2d04h".
std::string HumanDuration(std::uint64_t seconds);

std::string FormatStatusText(const proto::ctl::StatusInfo& status);
std::string FormatStatusJson(const proto::ctl::StatusInfo& status);
// An aligned table with a header line; "no sessions" when empty.
std::string FormatSessionsText(const std::vector<proto::ctl::SessionInfo>& sessions);
std::string FormatSessionsJson(const std::vector<proto::ctl::SessionInfo>& sessions);
// User names and other gateway-reported strings come from peers: control characters and
// malformed UTF-8 become \\xNN, so printing them cannot drive the admin's terminal.
std::string TerminalSafe(std::string_view s);
// An aligned table (SCOPE, ADDRESS/USER, FAILURES, LEFT, UNTIL); "no bans" when empty. `now` is
// the wall-clock time the "until" column counts from (local time).
std::string FormatBansText(const std::vector<proto::ctl::BanInfo>& bans, std::time_t now);
std::string FormatBansJson(const std::vector<proto::ctl::BanInfo>& bans);
// The JSON answer of an action (terminate, unban, reload) or an error: {"result":"ok" |
// "not-found" | ..., then `fields` in order, each value already JSON text}.
std::string FormatResultJson(proto::ctl::Status status,
                             const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace sekisho::ctl
