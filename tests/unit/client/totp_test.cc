#include "client/totp.h"

#include <gtest/gtest.h>

#include <string>

namespace sekisho::client {
namespace {

namespace auth = proto::auth;

std::string Text(const SecretBytes& bytes) {
  return std::string(bytes.reveal().begin(), bytes.reveal().end());
}

TEST(TotpTest, SecretForms) {
  EXPECT_EQ(Text(*ParseTokenSecret("12345678901234567890")), "12345678901234567890");
  EXPECT_EQ(Text(*ParseTokenSecret("0x3132333435")), "12345");
  EXPECT_EQ(Text(*ParseTokenSecret("base32:GEZDGNBV")), "12345");
  EXPECT_EQ(Text(*ParseTokenSecret("BASE32:gezdgnbv")), "12345");
  EXPECT_FALSE(ParseTokenSecret("").has_value());
  EXPECT_FALSE(ParseTokenSecret("0x123").has_value());
  EXPECT_FALSE(ParseTokenSecret("0xzz").has_value());
  EXPECT_FALSE(ParseTokenSecret("base32:1!").has_value());
}

TEST(TotpTest, Rfc6238Sha1Vectors) {
  SecretBytes secret = *ParseTokenSecret("12345678901234567890");
  // RFC 6238 appendix B, 8-digit codes 94287082 and 07081804; the last 6 digits are ours.
  EXPECT_EQ(TotpCode(secret, 59)->reveal(), "287082");
  EXPECT_EQ(TotpCode(secret, 1111111109)->reveal(), "081804");
}

TEST(TotpTest, AttemptsUseThisStepThenTheNextThenAsk) {
  EXPECT_EQ(TokenTimeForAttempt(1000, 0), 1000);
  EXPECT_EQ(TokenTimeForAttempt(1000, 1), 1030);
  EXPECT_FALSE(TokenTimeForAttempt(1000, 2).has_value());
}

auth::FormField Field(auth::FormField::Kind kind, std::string name) {
  auth::FormField f;
  f.kind = kind;
  f.name = std::move(name);
  return f;
}

TEST(TotpTest, TokenFieldIsSecondaryPassword) {
  auth::AuthForm form;
  form.auth_id = "main";
  form.fields = {Field(auth::FormField::kText, "username"),
                 Field(auth::FormField::kPassword, "password"),
                 Field(auth::FormField::kPassword, "secondary_password")};
  EXPECT_EQ(TokenFieldIndex(form), 2U);
}

TEST(TotpTest, TokenFieldIsThePasswordOfAChallengeForm) {
  auth::AuthForm form;
  form.auth_id = "challenge";
  form.fields = {Field(auth::FormField::kHidden, "x"), Field(auth::FormField::kPassword, "answer")};
  EXPECT_EQ(TokenFieldIndex(form), 1U);
}

TEST(TotpTest, PlainPasswordFormHasNoTokenField) {
  auth::AuthForm form;
  form.auth_id = "main";
  form.fields = {Field(auth::FormField::kText, "username"),
                 Field(auth::FormField::kPassword, "password")};
  EXPECT_FALSE(TokenFieldIndex(form).has_value());
}

}  // namespace
}  // namespace sekisho::client

namespace sekisho::client {
namespace {

TEST(TotpTest, ScrubsTheSecretFromArgv) {
  char prog[] = "sekisho";
  char a1[] = "--token-secret";
  char a2[] = "base32:ABC";
  char a3[] = "--token-secret=0x3132";
  char a4[] = "--token-mode=totp";
  char* argv[] = {prog, a1, a2, a3, a4};
  EXPECT_TRUE(ScrubTokenSecretArgs(5, argv));
  EXPECT_STREQ(a2, "xxxxxxxxxx");
  EXPECT_STREQ(a3, "--token-secret=xxxxxx");
  EXPECT_STREQ(a4, "--token-mode=totp");
}

}  // namespace
}  // namespace sekisho::client

namespace sekisho::client {
namespace {

TEST(TotpTest, OcservOtpStepIsRecognisedByItsMessage) {
  auth::AuthForm form;
  form.auth_id = "main";
  form.message = "Please enter your OTP password.";
  auth::FormField password;
  password.kind = auth::FormField::kPassword;
  password.name = "password";
  form.fields = {password};
  EXPECT_EQ(TokenFieldIndex(form), 0U);
  form.message = "Please enter your password.";
  EXPECT_FALSE(TokenFieldIndex(form).has_value());
}

TEST(TotpTest, OneTimeCodePromptWords) {
  EXPECT_TRUE(LooksLikeOneTimeCodePrompt("Enter OTP"));
  EXPECT_TRUE(LooksLikeOneTimeCodePrompt("Passcode:"));
  EXPECT_TRUE(LooksLikeOneTimeCodePrompt("Your one-time password"));
  EXPECT_TRUE(LooksLikeOneTimeCodePrompt("Verification code"));
  EXPECT_FALSE(LooksLikeOneTimeCodePrompt("Password:"));
  EXPECT_FALSE(LooksLikeOneTimeCodePrompt("Hotpink"));  // "otp" inside a word
  EXPECT_FALSE(LooksLikeOneTimeCodePrompt(""));
}

}  // namespace
}  // namespace sekisho::client
