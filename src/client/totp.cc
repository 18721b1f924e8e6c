#include "client/totp.h"

#include "base/strings.h"
#include "client/key_password.h"

#include <liboath/oath.h>

#include <array>
#include <cctype>
#include <cstdlib>
#include <string>

namespace sekisho::client {
namespace {

// oath_init() once per process; it only sets up libgcrypt/nettle state.
bool OathReady() {
  static const bool ready = oath_init() == OATH_OK;
  return ready;
}

}  // namespace

Result<SecretBytes> ParseTokenSecret(std::string_view text) {
  if (!OathReady()) {
    return Fail(Errc::kInternal, "liboath initialisation failed");
  }
  if (StartsWithIgnoreCase(text, "base32:")) {
    std::string_view encoded = text.substr(7);
    char* out = nullptr;
    std::size_t out_len = 0;
    int rc = oath_base32_decode(encoded.data(), encoded.size(), &out, &out_len);
    if (rc != OATH_OK || out_len == 0) {
      std::free(out);
      return Fail(Errc::kInvalidArgument, "--token-secret: not valid base32");
    }
    Bytes bytes(reinterpret_cast<const std::uint8_t*>(out),
                reinterpret_cast<const std::uint8_t*>(out) + out_len);
    std::free(out);
    return SecretBytes(std::move(bytes));
  }
  if (text.substr(0, 2) == "0x" || text.substr(0, 2) == "0X") {
    std::string hex(text.substr(2));
    std::size_t len = hex.size() / 2;
    if (hex.empty() || hex.size() % 2 != 0) {
      return Fail(Errc::kInvalidArgument, "--token-secret: hex needs an even number of digits");
    }
    Bytes bytes(len);
    if (oath_hex2bin(hex.c_str(), reinterpret_cast<char*>(bytes.data()), &len) != OATH_OK) {
      return Fail(Errc::kInvalidArgument, "--token-secret: not valid hex");
    }
    bytes.resize(len);
    return SecretBytes(std::move(bytes));
  }
  if (text.empty()) {
    return Fail(Errc::kInvalidArgument, "--token-secret: empty secret");
  }
  return SecretBytes(Bytes(text.begin(), text.end()));
}

std::optional<std::size_t> TokenFieldIndex(const proto::auth::AuthForm& form) {
  const bool otp_form =
      EqualsIgnoreCase(form.auth_id, "challenge") || LooksLikeOneTimeCodePrompt(form.message);
  for (std::size_t i = 0; i < form.fields.size(); ++i) {
    const proto::auth::FormField& field = form.fields[i];
    if (field.kind != proto::auth::FormField::kPassword) {
      continue;
    }
    if (otp_form || field.name == "secondary_password" || LooksLikeOneTimeCodePrompt(field.label)) {
      return i;
    }
  }
  return std::nullopt;
}

bool LooksLikeOneTimeCodePrompt(std::string_view text) {
  static constexpr std::array<std::string_view, 6> kWords = {
      "otp", "one-time", "one time", "passcode", "verification code", "token"};
  const std::string lower = ToLower(text);
  for (std::string_view word : kWords) {
    std::size_t at = lower.find(word);
    // "otp" as a word of its own, not inside another one.
    while (at != std::string::npos) {
      const bool starts = at == 0 || std::isalnum(static_cast<unsigned char>(lower[at - 1])) == 0;
      const std::size_t end = at + word.size();
      const bool ends =
          end == lower.size() || std::isalnum(static_cast<unsigned char>(lower[end])) == 0;
      if (starts && ends) {
        return true;
      }
      at = lower.find(word, at + 1);
    }
  }
  return false;
}

Result<SecretString> TotpCode(const SecretBytes& secret, std::int64_t unix_time) {
  if (!OathReady()) {
    return Fail(Errc::kInternal, "liboath initialisation failed");
  }
  std::array<char, kTotpDigits + 1> code{};
  const Bytes& key = secret.reveal();
  int rc = oath_totp_generate(reinterpret_cast<const char*>(key.data()), key.size(),
                              static_cast<time_t>(unix_time), kTotpStepSeconds,
                              OATH_TOTP_DEFAULT_START_TIME, kTotpDigits, code.data());
  if (rc != OATH_OK) {
    return Fail(Errc::kInternal, std::string("liboath: ") + oath_strerror_name(rc));
  }
  SecretString out{std::string(code.data())};
  code.fill('\0');
  return out;
}

std::optional<std::int64_t> TokenTimeForAttempt(std::int64_t now, int attempt) {
  if (attempt == 0) {
    return now;
  }
  if (attempt == 1) {
    return now + kTotpStepSeconds;
  }
  return std::nullopt;
}

bool ScrubTokenSecretArgs(int argc, char** argv) {
  return ScrubOptionValueArgs(argc, argv, "--token-secret");
}

}  // namespace sekisho::client
