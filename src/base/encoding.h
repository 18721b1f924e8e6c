#pragma once
// Text encodings used on the wire: hex (X-DTLS-* ids, SHA-1 in manifests), base64 (cookies,
// pins), percent-encoding (banners, form bodies, URLs).

#include "base/bytes.h"

#include <optional>
#include <string>
#include <string_view>

namespace sekisho {

enum class HexCase { kLower, kUpper };
std::string HexEncode(ByteSpan data, HexCase hex_case = HexCase::kLower);
// Accepts either case; nullopt on odd length or a non-hex character.
std::optional<Bytes> HexDecode(std::string_view text);

std::string Base64Encode(ByteSpan data);
// Standard alphabet with padding; nullopt on any invalid character or length.
std::optional<Bytes> Base64Decode(std::string_view text);

// application/x-www-form-urlencoded and URL path decoding: %XX and (if plus_is_space) '+'.
// nullopt on a truncated or non-hex escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);
// Escapes every byte outside [A-Za-z0-9-._~] (and keeps '/' when keep_slash).
std::string PercentEncode(std::string_view text, bool keep_slash = false);

}  // namespace sekisho
