#pragma once
// Internal helpers shared by the parsers and builders of proto/auth: the guarded pugixml
// loader, raw serialisation, escaping and text extraction. Not part of the public API.

#include "base/result.h"

#include <pugixml.hpp>

#include <string>
#include <string_view>

namespace sekisho::proto::auth::internal {

// Parses `body` into `doc` after the checks every peer document gets: at most kMaxBodySize
// bytes (kTooLarge), no NUL byte, no <!DOCTYPE or <!ENTITY declaration anywhere (kMalformed;
// no DTD is ever processed, so entity expansion attacks cannot start), UTF-8 only, then
// well-formedness (kMalformed, context names the pugixml error).
Result<void> LoadXml(std::string_view body, pugi::xml_document& doc);

// The element serialised without added whitespace, as libxml2 would re-emit a copied node.
std::string SerializeRaw(const pugi::xml_node& node);

// Appends `text` escaped for use as element text or a double-quoted attribute value:
// & < > " ' become entities, CR/LF/TAB become character references (so attribute-value
// normalisation cannot change them), other C0 control characters (not representable in
// XML 1.0) are dropped.
void AppendEscaped(std::string& out, std::string_view text);
std::string Escaped(std::string_view text);

// Appends <name>escaped text</name>.
void AppendElement(std::string& out, std::string_view name, std::string_view text);

// All direct text and CDATA children of `node`, concatenated (openconnect reads the whole
// content of an element; pugixml's child_value() would stop at the first comment).
std::string TextOf(const pugi::xml_node& node);
// TextOf() with surrounding whitespace removed, for identifiers (not for credentials).
std::string TrimmedTextOf(const pugi::xml_node& node);

// First child element called `name`, or an empty node.
pugi::xml_node FirstChild(const pugi::xml_node& node, std::string_view name);

// True if `name` is a plain XML element name we are willing to emit: [A-Za-z_] followed by
// [A-Za-z0-9_.-], at most 128 characters, not starting with "xml" (any case).
bool IsSafeElementName(std::string_view name);

// openconnect's rule for <message>/<error>: the first two "%s" in the text are replaced by
// the param1 and param2 attributes (a missing attribute leaves its "%s" in place);
// substitution stops at the first '%' not followed by 's'.
std::string SubstitutedMessage(const pugi::xml_node& node);

}  // namespace sekisho::proto::auth::internal
