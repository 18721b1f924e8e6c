#include "proto/auth/xml_util.h"

#include "base/strings.h"
#include "proto/auth/wire.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace sekisho::proto::auth::internal {
namespace {

bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  auto it = std::search(
      haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
        return (a >= 'A' && a <= 'Z' ? a + 32 : a) == (b >= 'A' && b <= 'Z' ? b + 32 : b);
      });
  return it != haystack.end();
}

class StringWriter : public pugi::xml_writer {
 public:
  explicit StringWriter(std::string& out) : out_(out) {}
  void write(const void* data, size_t size) override {
    out_.append(static_cast<const char*>(data), size);
  }

 private:
  std::string& out_;
};

}  // namespace

Result<void> LoadXml(std::string_view body, pugi::xml_document& doc) {
  if (body.size() > kMaxBodySize) {
    return Fail(Errc::kTooLarge, "XML body over 64 KiB");
  }
  if (body.find('\0') != std::string_view::npos) {
    return Fail(Errc::kMalformed, "NUL byte in XML body");
  }
  // pugixml never expands user-defined entities, but a document type declaration has no
  // business in this protocol at all; refusing it outright keeps every DTD trick (billion
  // laughs, external entities) out of reach, whatever the parser's future defaults.
  if (ContainsIgnoreCase(body, "<!DOCTYPE") || ContainsIgnoreCase(body, "<!ENTITY")) {
    return Fail(Errc::kMalformed, "DTD declarations are not allowed");
  }
  constexpr unsigned int kFlags = pugi::parse_default & ~pugi::parse_doctype;
  pugi::xml_parse_result parsed =
      doc.load_buffer(body.data(), body.size(), kFlags, pugi::encoding_utf8);
  if (!parsed) {
    if (parsed.status == pugi::status_out_of_memory) {
      return Fail(Errc::kExhausted, "out of memory parsing XML");
    }
    return Fail(Errc::kMalformed, std::string("XML: ") + parsed.description());
  }
  if (!doc.document_element()) {
    return Fail(Errc::kMalformed, "XML: no document element");
  }
  return Ok();
}

std::string SerializeRaw(const pugi::xml_node& node) {
  std::string out;
  StringWriter writer(out);
  node.print(writer, "", pugi::format_raw, pugi::encoding_utf8);
  return out;
}

void AppendEscaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      case '\t': out += "&#9;"; break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20) {
          out += c;
        }
        break;
    }
  }
}

std::string Escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendEscaped(out, text);
  return out;
}

void AppendElement(std::string& out, std::string_view name, std::string_view text) {
  out += '<';
  out += name;
  out += '>';
  AppendEscaped(out, text);
  out += "</";
  out += name;
  out += '>';
}

std::string TextOf(const pugi::xml_node& node) {
  std::string out;
  for (pugi::xml_node child = node.first_child(); child; child = child.next_sibling()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      out += child.value();
    }
  }
  return out;
}

std::string TrimmedTextOf(const pugi::xml_node& node) {
  return std::string(TrimWhitespace(TextOf(node)));
}

pugi::xml_node FirstChild(const pugi::xml_node& node, std::string_view name) {
  for (pugi::xml_node child = node.first_child(); child; child = child.next_sibling()) {
    if (child.type() == pugi::node_element && name == child.name()) {
      return child;
    }
  }
  return {};
}

bool IsSafeElementName(std::string_view name) {
  if (name.empty() || name.size() > 128 || StartsWithIgnoreCase(name, "xml")) {
    return false;
  }
  auto is_alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (!is_alpha(name[0]) && name[0] != '_') {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return is_alpha(c) || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

std::string SubstitutedMessage(const pugi::xml_node& node) {
  std::string text = TextOf(node);
  std::array<pugi::xml_attribute, 2> params = {node.attribute("param1"), node.attribute("param2")};
  std::size_t used = 0;
  std::size_t pos = text.find('%');
  while (pos != std::string::npos && used < params.size()) {
    if (pos + 1 >= text.size() || text[pos + 1] != 's') {
      break;
    }
    if (params[used]) {
      std::string_view value = params[used].value();
      text.replace(pos, 2, value);
      pos += value.size();
    } else {
      pos += 1;
    }
    ++used;
    pos = text.find('%', pos);
  }
  return text;
}

}  // namespace sekisho::proto::auth::internal
