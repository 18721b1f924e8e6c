#include "proto/http/writer.h"

#include "base/strings.h"

#include <string_view>

namespace sekisho::proto::http {
namespace {

constexpr std::string_view kContentLength = "Content-Length";

void AppendSafe(std::string& out, std::string_view s) {
  for (char c : s) {
    out.push_back(c == '\r' || c == '\n' || c == '\0' ? ' ' : c);
  }
}

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  AppendSafe(out, name);
  out.append(": ");
  AppendSafe(out, value);
  out.append("\r\n");
}

const char* VersionString(unsigned version) { return version == 10 ? "HTTP/1.0" : "HTTP/1.1"; }

enum class LengthPolicy { kAlways, kNever };

// Writes the headers, fixing or adding Content-Length according to the policy.
void AppendHeaders(std::string& out, const HeaderList& headers, LengthPolicy policy,
                   std::size_t body_size) {
  bool wrote_length = false;
  const std::string length = std::to_string(body_size);
  for (const Header& h : headers) {
    if (EqualsIgnoreCase(h.name, kContentLength)) {
      if (policy == LengthPolicy::kAlways && !wrote_length) {
        AppendHeader(out, h.name, length);
        wrote_length = true;
      }
      continue;
    }
    AppendHeader(out, h.name, h.value);
  }
  if (policy == LengthPolicy::kAlways && !wrote_length) {
    AppendHeader(out, kContentLength, length);
  }
  out.append("\r\n");
}

std::string SerializeResponseHead(const HttpResponse& response, LengthPolicy policy) {
  std::string out;
  out.reserve(128 + response.body.size() + response.headers.size() * 48);
  out.append(VersionString(response.version));
  out.push_back(' ');
  out.append(std::to_string(response.status));
  out.push_back(' ');
  AppendSafe(out, response.reason.empty() ? ReasonPhrase(response.status) : response.reason);
  out.append("\r\n");
  AppendHeaders(out, response.headers, policy, response.body.size());
  return out;
}

}  // namespace

std::string SerializeRequest(const HttpRequest& request) {
  std::string out;
  out.reserve(128 + request.body.size() + request.headers.size() * 48);
  AppendSafe(out, request.method);
  out.push_back(' ');
  // A space or control character in the target would break the request line: encode it.
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : request.target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0x0f]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back(' ');
  out.append(VersionString(request.version));
  out.append("\r\n");
  const bool with_length = !request.body.empty() || request.method == "POST";
  AppendHeaders(out, request.headers, with_length ? LengthPolicy::kAlways : LengthPolicy::kNever,
                request.body.size());
  out.append(request.body);
  return out;
}

std::string SerializeResponse(const HttpResponse& response) {
  const bool no_body =
      response.status / 100 == 1 || response.status == 204 || response.status == 304;
  std::string out =
      SerializeResponseHead(response, no_body ? LengthPolicy::kNever : LengthPolicy::kAlways);
  if (!no_body) {
    out.append(response.body);
  }
  return out;
}

std::string SerializeConnectResponse(const HttpResponse& response) {
  return SerializeResponseHead(response, LengthPolicy::kNever);
}

const char* ReasonPhrase(unsigned status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

}  // namespace sekisho::proto::http
