#include "proto/tunnel/header_util.h"

#include "base/strings.h"

namespace sekisho::proto::tunnel::internal {

void AddHeader(http::HeaderList& headers, std::string_view name, std::string_view value) {
  std::string clean(value);
  for (char& c : clean) {
    if (c == '\r' || c == '\n' || c == '\0') {
      c = ' ';
    }
  }
  headers.push_back(http::Header{std::string(name), std::move(clean)});
}

std::optional<std::uint32_t> ParseNumber(std::string_view value, std::uint32_t max) {
  auto n = ParseUint(TrimWhitespace(value), max);
  if (!n) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(*n);
}

std::vector<std::string> SplitList(std::string_view value, char sep, std::size_t max_tokens) {
  std::vector<std::string> out;
  for (std::string_view token : Split(value, sep, /*skip_empty=*/true)) {
    token = TrimWhitespace(token);
    if (token.empty()) {
      continue;
    }
    if (out.size() == max_tokens) {
      break;
    }
    out.emplace_back(token);
  }
  return out;
}

std::string JoinList(const std::vector<std::string>& items, char sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) {
      out.push_back(sep);
    }
    out += item;
  }
  return out;
}

}  // namespace sekisho::proto::tunnel::internal
