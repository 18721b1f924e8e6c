#pragma once
// Internal helpers shared by the CONNECT request/response codecs. Not part of the public API.

#include "proto/http/message.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sekisho::proto::tunnel::internal {

// Appends `name: value`, replacing CR, LF and NUL in the value by spaces so that no field we
// emit can split the header block, whatever the caller put in it.
void AddHeader(http::HeaderList& headers, std::string_view name, std::string_view value);

// Decimal number up to `max`; nullopt for anything else (including "none" and the empty string).
std::optional<std::uint32_t> ParseNumber(std::string_view value, std::uint32_t max = UINT32_MAX);

// Splits a `sep`-separated list, trimming each token and dropping empty ones. At most
// `max_tokens` are returned so that a hostile list cannot grow without bound.
std::vector<std::string> SplitList(std::string_view value, char sep, std::size_t max_tokens = 64);

std::string JoinList(const std::vector<std::string>& items, char sep);

}  // namespace sekisho::proto::tunnel::internal
