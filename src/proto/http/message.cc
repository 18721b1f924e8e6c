#include "proto/http/message.h"

#include "base/strings.h"

namespace sekisho::proto::http {

const std::string* FindHeader(const HeaderList& headers, std::string_view name) {
  for (const Header& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) {
      return &h.value;
    }
  }
  return nullptr;
}

std::vector<std::string_view> FindAllHeaders(const HeaderList& headers, std::string_view name) {
  std::vector<std::string_view> out;
  for (const Header& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) {
      out.emplace_back(h.value);
    }
  }
  return out;
}

}  // namespace sekisho::proto::http
