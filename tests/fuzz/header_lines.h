#pragma once
// Fuzz input read as HTTP header fields: one "Name: value" per line, as the HTTP reader would
// have split them. Lines without a colon are skipped, and so are lines with CR or NUL, which
// the reader never yields inside a field. Shared by the targets that fuzz header consumers.

#include "proto/http/message.h"

#include <string>
#include <string_view>

namespace sekisho::fuzz {

inline proto::http::HeaderList HeaderLines(std::string_view text) {
  proto::http::HeaderList headers;
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    auto colon = line.find(':');
    if (colon == std::string_view::npos ||
        line.find_first_of(std::string_view("\r\0", 2)) != std::string_view::npos) {
      continue;
    }
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
    headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
  }
  return headers;
}

}  // namespace sekisho::fuzz
