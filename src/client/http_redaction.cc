#include "client/http_redaction.h"

#include "base/strings.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>

namespace sekisho::client {
namespace {

namespace http = proto::http;

// Deeper XML than this is not something a gateway sends; past it every text is redacted.
constexpr std::size_t kMaxDepth = 64;

bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) {
    return false;
  }
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (EqualsIgnoreCase(haystack.substr(i, needle.size()), needle)) {
      return true;
    }
  }
  return false;
}

template <std::size_t N>
bool OneOf(std::string_view name, const std::array<std::string_view, N>& names) {
  return std::any_of(names.begin(), names.end(),
                     [name](std::string_view n) { return EqualsIgnoreCase(name, n); });
}

// Elements whose text is a secret whoever sends them.
constexpr std::array<std::string_view, 3> kAlwaysSecret = {"session-token", "session-id", "opaque"};
// Gateway documents: element names that look like a credential.
constexpr std::array<std::string_view, 5> kSecretNames = {"password", "secondary_password",
                                                          "answer", "passcode", "token"};
// Client <auth> children and form keys shown as they are.
constexpr std::array<std::string_view, 2> kPublicFields = {"username", "group_list"};

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' ||
         c == ':';
}

bool IsBlank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
}

// The XML scanner's view of where it is.
struct XmlContext {
  std::vector<std::string> stack;
  bool from_client = false;
  bool overflow = false;  // deeper than kMaxDepth: everything is secret

  bool TextIsSecret() const {
    if (overflow) {
      return true;
    }
    bool in_client_auth = false;
    for (const std::string& name : stack) {
      if (OneOf(name, kAlwaysSecret)) {
        return true;
      }
      if (from_client && EqualsIgnoreCase(name, "auth")) {
        in_client_auth = true;
      }
    }
    if (stack.empty()) {
      return false;
    }
    const std::string& current = stack.back();
    if (in_client_auth) {
      return !EqualsIgnoreCase(current, "auth") && !OneOf(current, kPublicFields);
    }
    return !from_client && OneOf(current, kSecretNames);
  }

  void Open(std::string_view name) {
    if (stack.size() >= kMaxDepth) {
      overflow = true;
      return;
    }
    stack.emplace_back(name);
  }

  void Close(std::string_view name) {
    // Pop to the matching element; an unmatched close tag changes nothing.
    for (std::size_t i = stack.size(); i > 0; --i) {
      if (EqualsIgnoreCase(stack[i - 1], name)) {
        stack.resize(i - 1);
        return;
      }
    }
  }
};

void AppendText(std::string& out, std::string_view text, const XmlContext& context) {
  if (!text.empty() && !IsBlank(text) && context.TextIsSecret()) {
    out += kRedacted;
  } else {
    out += text;
  }
}

// Handles the markup starting at body[pos] == '<'; returns the position after it.
std::size_t ScanMarkup(std::string_view body, std::size_t pos, XmlContext& context,
                       std::string& out) {
  std::string_view rest = body.substr(pos);
  if (rest.substr(0, 9) == "<![CDATA[") {
    std::size_t end = rest.find("]]>");
    std::string_view content =
        rest.substr(9, end == std::string_view::npos ? std::string_view::npos : end - 9);
    out += "<![CDATA[";
    AppendText(out, content, context);
    if (end == std::string_view::npos) {
      return body.size();
    }
    out += "]]>";
    return pos + end + 3;
  }
  std::size_t close = rest.find('>');
  if (close == std::string_view::npos) {
    // An unterminated tag: nothing after it can be classified, so nothing after it is shown.
    out += kRedacted;
    return body.size();
  }
  std::string_view tag = rest.substr(0, close + 1);
  out += tag;
  if (tag.size() < 3 || tag[1] == '?' || tag[1] == '!') {
    return pos + tag.size();
  }
  bool closing = tag[1] == '/';
  std::size_t start = closing ? 2 : 1;
  std::size_t end = start;
  while (end < tag.size() && IsNameChar(tag[end])) {
    ++end;
  }
  std::string_view name = tag.substr(start, end - start);
  if (name.empty()) {
    return pos + tag.size();
  }
  if (closing) {
    context.Close(name);
  } else if (tag[tag.size() - 2] != '/') {
    context.Open(name);
  }
  return pos + tag.size();
}

// Replaces every occurrence of each non-empty `secret` in `text`.
void ScrubLiterals(std::string& text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) {
      continue;
    }
    for (std::size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + kRedacted.size())) {
      text.replace(at, secret.size(), kRedacted);
    }
  }
}

// "a=b; c=d" with every value redacted; `first_only` (Set-Cookie) keeps the attributes.
std::string RedactCookiePairs(std::string_view value, bool first_only) {
  std::string out;
  bool first = true;
  for (std::string_view pair : Split(value, ';')) {
    if (!first) {
      out += ';';
    }
    std::size_t eq = pair.find('=');
    if ((first || !first_only) && eq != std::string_view::npos) {
      out += pair.substr(0, eq + 1);
      out += kRedacted;
    } else if (first || !first_only) {
      out += kRedacted;
    } else {
      out += pair;
    }
    first = false;
  }
  return out;
}

std::string RedactBody(std::string_view body, bool from_client, bool form_encoded) {
  std::size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && body[first] == '<') {
    return RedactXmlBody(body, from_client);
  }
  if (from_client && form_encoded) {
    return RedactFormBody(body);
  }
  return std::string(body);
}

void AppendHeaders(std::string& out, std::string_view prefix, const http::HeaderList& headers) {
  for (const http::Header& h : headers) {
    out += prefix;
    out += h.name;
    out += ": ";
    out += RedactHeaderValue(h.name, h.value);
    out += '\n';
  }
}

void AppendBody(std::string& out, std::string_view prefix, const std::string& body) {
  if (body.empty()) {
    return;
  }
  out += TrimWhitespace(prefix);  // the blank line between head and body
  out += '\n';
  for (std::string_view line : Split(body, '\n')) {
    out += prefix;
    out += line;
    out += '\n';
  }
}

}  // namespace

bool IsSecretHeader(std::string_view name) {
  static constexpr std::array<std::string_view, 7> kWords = {
      "secret", "token", "cookie", "password", "session-id", "key", "authorization"};
  return std::any_of(kWords.begin(), kWords.end(),
                     [name](std::string_view w) { return ContainsIgnoreCase(name, w); });
}

std::string RedactHeaderValue(std::string_view name, std::string_view value) {
  if (EqualsIgnoreCase(name, "Cookie")) {
    return RedactCookiePairs(value, false);
  }
  if (EqualsIgnoreCase(name, "Set-Cookie")) {
    return RedactCookiePairs(value, true);
  }
  if (IsSecretHeader(name)) {
    return std::string(kRedacted);
  }
  return std::string(value);
}

std::string RedactXmlBody(std::string_view body, bool from_client) {
  XmlContext context;
  context.from_client = from_client;
  std::string out;
  out.reserve(body.size());
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t lt = body.find('<', pos);
    AppendText(out, body.substr(pos, lt == std::string_view::npos ? lt : lt - pos), context);
    if (lt == std::string_view::npos) {
      break;
    }
    pos = ScanMarkup(body, lt, context, out);
  }
  return out;
}

std::string RedactFormBody(std::string_view body) {
  std::string out;
  bool first = true;
  for (std::string_view pair : Split(body, '&')) {
    if (!first) {
      out += '&';
    }
    first = false;
    std::size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (eq != std::string_view::npos && OneOf(key, kPublicFields)) {
      out += pair;
    } else {
      out += key;
      out += '=';
      out += kRedacted;
    }
  }
  return out;
}

std::string RedactedRequestDump(const http::HttpRequest& request,
                                const std::vector<std::string>& extra_secrets) {
  std::string out = "> " + request.method + " " + request.target + " HTTP/1." +
                    (request.version == 10 ? "0" : "1") + "\n";
  AppendHeaders(out, "> ", request.headers);
  const std::string* type = request.Find("Content-Type");
  bool form = type != nullptr && ContainsIgnoreCase(*type, "x-www-form-urlencoded");
  AppendBody(out, "> ", RedactBody(request.body, true, form));
  ScrubLiterals(out, extra_secrets);
  return out;
}

std::string RedactedResponseDump(const http::HttpResponse& response,
                                 const std::vector<std::string>& extra_secrets) {
  std::string out = "< HTTP/1." + std::string(response.version == 10 ? "0" : "1") + " " +
                    std::to_string(response.status) + " " + response.reason + "\n";
  AppendHeaders(out, "< ", response.headers);
  AppendBody(out, "< ", RedactBody(response.body, false, false));
  ScrubLiterals(out, extra_secrets);
  return out;
}

}  // namespace sekisho::client
