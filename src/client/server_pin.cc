#include "client/server_pin.h"

#include "base/strings.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

namespace sekisho::client {
namespace {

constexpr std::string_view kPinSha256 = "pin-sha256:";
constexpr std::string_view kSha256 = "sha256:";
constexpr std::string_view kSha1 = "sha1:";
constexpr std::size_t kSha256Base64Chars = 44;  // 32 bytes, padded
constexpr std::size_t kSha256HexDigits = 64;
constexpr std::size_t kSha1HexDigits = 40;

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

Result<void> Refuse(std::string_view pin, std::string_view why) {
  return Fail(Errc::kConfig, fmt::format("--servercert {}: {}", pin, why));
}

Result<void> CheckHex(std::string_view pin, std::string_view digits, std::size_t full) {
  if (!std::all_of(digits.begin(), digits.end(), IsHexDigit)) {
    return Refuse(pin, "the hash must be hex digits without separators");
  }
  if (digits.size() > full) {
    return Refuse(pin, fmt::format("longer than the hash ({} hex digits)", full));
  }
  if (digits.size() < kMinPinHexDigits) {
    return Refuse(pin, fmt::format("{} hex digits carry only {} bits; give at least {} (128 bits) "
                                   "or the full hash",
                                   digits.size(), digits.size() * 4, kMinPinHexDigits));
  }
  return Ok();
}

// Only the whole base64 SHA-256 is accepted: 43 characters and a '=' (or without it).
Result<void> CheckPinSha256(std::string_view pin, std::string_view b64) {
  std::string_view body = b64;
  if (body.size() == kSha256Base64Chars && body.back() == '=') {
    body.remove_suffix(1);
  }
  if (!std::all_of(body.begin(), body.end(), IsBase64Char)) {
    return Refuse(pin, "not base64");
  }
  if (body.size() != kSha256Base64Chars - 1) {
    return Refuse(pin, fmt::format("a pin-sha256 pin must be the full hash ({} characters); this "
                                   "one has {}",
                                   kSha256Base64Chars, b64.size()));
  }
  return Ok();
}

}  // namespace

Result<void> CheckServerPin(std::string_view pin) {
  if (pin.starts_with(kPinSha256)) {
    return CheckPinSha256(pin, pin.substr(kPinSha256.size()));
  }
  if (StartsWithIgnoreCase(pin, kSha256)) {
    return CheckHex(pin, pin.substr(kSha256.size()), kSha256HexDigits);
  }
  if (StartsWithIgnoreCase(pin, kSha1)) {
    return CheckHex(pin, pin.substr(kSha1.size()), kSha1HexDigits);
  }
  if (pin.find(':') != std::string_view::npos) {
    return Refuse(pin, "unknown pin form (pin-sha256:, sha256:, sha1: or bare SHA-1 hex)");
  }
  return CheckHex(pin, pin, kSha1HexDigits);
}

}  // namespace sekisho::client
