#pragma once
// Small string helpers for header and config values.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho {

std::string_view TrimWhitespace(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix);
std::string ToLower(std::string_view s);
// Splits on `sep`; empty pieces are kept unless skip_empty.
std::vector<std::string_view> Split(std::string_view s, char sep, bool skip_empty = false);
// Decimal without sign; nullopt on any other character, empty input or overflow past max.
std::optional<std::uint64_t> ParseUint(std::string_view s, std::uint64_t max = UINT64_MAX);

// The longest peer-supplied string a log line carries by default: enough for any real user
// name, group or User-Agent, short enough that a hostile peer cannot flood the log.
inline constexpr std::size_t kLogValueMax = 128;

// `s` made safe for one log line: printable ASCII and well-formed UTF-8 pass through; control
// characters (newline, escape, DEL), C1 controls, backslash and every byte that is not part of
// well-formed UTF-8 become `\xNN`, so a peer cannot forge lines or drive the reader's terminal.
// At most `max` input bytes are kept; a longer value ends in "...(N bytes)" with its full size.
// Use it for every peer-supplied string (user and group names, certificate names, headers,
// XML values) before it reaches a log line.
std::string EscapeForLog(std::string_view s, std::size_t max = kLogValueMax);

// True when `s` is text a person can read on one line: printable ASCII and well-formed UTF-8
// without control characters (C0, DEL, C1). Empty text is printable.
bool IsPrintableText(std::string_view s);

}  // namespace sekisho
