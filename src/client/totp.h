#pragma once
// --token-mode=totp: RFC 6238 one-time codes from liboath, and which login field they fill,
// the way openconnect 9.01 does it.
//
// Secret forms (--token-secret; "@FILE" is read by main.cc, then parsed the same way):
//   base32:JBSWY3DPEHPK3PXP   base32 (case-insensitive, spaces and '=' padding allowed)
//   0x3132333435...           hex
//   anything else             the raw bytes of the string
// The field, openconnect's rule: a password field named "secondary_password", or the first
// password field of a form whose <auth id> is "challenge" (the ASA's RADIUS challenge). And,
// because ocserv's plain[otp=...] second step is an ordinary <auth id="main"> form with a
// "password" field and the message "Please enter your OTP password." (which openconnect 9.01
// does not fill: it prompts), also the first password field of a form whose message, or a
// password field whose label, reads like a one-time-code prompt (LooksLikeOneTimeCodePrompt).
// The first answer uses the current 30 s step, a retry the next one (the clocks may disagree
// by a step); after that the field is prompted for like any other, so that a wrong secret
// cannot lock the account.
//
// Secrets: the secret and the codes are SecretString/SecretBytes and never logged.

#include "base/redacted.h"
#include "base/result.h"
#include "proto/auth/server_message.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace sekisho::client {

inline constexpr int kTotpDigits = 6;
inline constexpr std::int64_t kTotpStepSeconds = 30;

// Decodes a --token-secret value (forms above). Errors: kInvalidArgument for an empty secret
// or bad base32/hex (the message never contains the secret).
Result<SecretBytes> ParseTokenSecret(std::string_view text);

// The index in form.fields of the field the code fills; nullopt when the form has none.
std::optional<std::size_t> TokenFieldIndex(const proto::auth::AuthForm& form);

// True when `text` names a one-time code: one of the words "OTP", "one-time", "one time",
// "passcode", "verification code", "token" (case-insensitive, as whole words).
bool LooksLikeOneTimeCodePrompt(std::string_view text);

// The 6-digit code for `unix_time`. Errors: kInternal if liboath fails.
Result<SecretString> TotpCode(const SecretBytes& secret, std::int64_t unix_time);

// Which code the n-th answer to a token form sends (n = 0 first): the time to compute it at,
// or nullopt when the field must be asked for instead.
std::optional<std::int64_t> TokenTimeForAttempt(std::int64_t now, int attempt);

// Overwrites with 'x' the value of every "--token-secret VALUE" / "--token-secret=VALUE" in
// argv (what ps shows from then on). Returns true when something was scrubbed.
bool ScrubTokenSecretArgs(int argc, char** argv);

}  // namespace sekisho::client
