#pragma once
// How strong a --servercert pin must be. openconnect accepts any prefix of at least 4
// characters of a certificate hash (anyconnect.md §1.4), i.e. 16 bits: a key whose hash starts
// the same way can be ground out in seconds. sekisho asks for at least 128 bits unless the pin
// is the whole hash, so that a pin accepts exactly one key:
//
//   pin-sha256:<base64>   the full SHA-256 (44 characters with the '=' padding, or 43 without)
//   sha256:<hex>          32..64 hex digits (prefix case-insensitive, as openconnect)
//   sha1:<hex>            32..40 hex digits
//   <hex>                 32..40 hex digits (legacy: SHA-1 of the whole certificate)
//
// Anything else (other prefixes, separators, characters outside the encoding) is refused too:
// such a pin could never match, and silently never matching is a confusing failure.
// The matching itself is tls::PinMatches; this only decides what the user may pass. Pure.

#include "base/result.h"

#include <string_view>

namespace sekisho::client {

inline constexpr std::size_t kMinPinHexDigits = 32;  // 128 bits

// Errors: kConfig naming the pin and the rule it breaks; the caller refuses to start.
Result<void> CheckServerPin(std::string_view pin);

}  // namespace sekisho::client
