#pragma once
// Small string helpers for header and config values.

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

}  // namespace sekisho
