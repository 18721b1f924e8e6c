#pragma once
// HTTP/1.1 messages as plain values: what the request/response readers produce and the writers
// consume. Header order is preserved and names keep their spelling, because AnyConnect peers
// match X-CSTP-* names case-sensitively (anyconnect.md §6.2).

#include <string>
#include <string_view>
#include <vector>

namespace sekisho::proto::http {

struct Header {
  std::string name;
  std::string value;
};

using HeaderList = std::vector<Header>;

// First header named `name` (ASCII case-insensitive), or nullptr.
const std::string* FindHeader(const HeaderList& headers, std::string_view name);
// Every header named `name`, in order.
std::vector<std::string_view> FindAllHeaders(const HeaderList& headers, std::string_view name);

struct HttpRequest {
  std::string method;
  std::string target;
  unsigned version = 11;  // 10 or 11
  HeaderList headers;
  std::string body;

  const std::string* Find(std::string_view name) const { return FindHeader(headers, name); }
  std::vector<std::string_view> FindAll(std::string_view name) const {
    return FindAllHeaders(headers, name);
  }
};

struct HttpResponse {
  unsigned status = 200;
  std::string reason;
  unsigned version = 11;
  HeaderList headers;
  std::string body;

  const std::string* Find(std::string_view name) const { return FindHeader(headers, name); }
  std::vector<std::string_view> FindAll(std::string_view name) const {
    return FindAllHeaders(headers, name);
  }
};

}  // namespace sekisho::proto::http
