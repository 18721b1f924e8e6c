// The reload messages survive a round trip and refuse what lacks the fields they need.
#include "proto/ipc/reload_messages.h"

#include "proto/ipc/messages.h"

#include <gtest/gtest.h>

namespace sekisho::proto::ipc {
namespace {

template <class T>
Result<T> Decoded(const Message& message) {
  auto encoded = message.Encode();
  EXPECT_TRUE(encoded);
  auto decoded = Decode(*encoded);
  EXPECT_TRUE(decoded) << decoded.error().ToString();
  return T::FromMessage(*decoded);
}

TEST(IpcReloadMessages, ConfigUpdateCarriesTextAndPems) {
  ConfigUpdate update{3, "/etc/sekishod/sekishod.toml", "[listen]\nport = 443\n",
                      "-----BEGIN CERTIFICATE-----\n", ""};
  auto got = Decoded<ConfigUpdate>(update.ToMessage());
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(got->generation, 3U);
  EXPECT_EQ(got->source, update.source);
  EXPECT_EQ(got->config_text, update.config_text);
  EXPECT_EQ(got->certificate_pem, update.certificate_pem);
  EXPECT_EQ(got->ca_pem, "");
}

TEST(IpcReloadMessages, ConfigUpdateRefusesMissingCertificateOrGeneration) {
  Message no_cert(MessageType::kConfigUpdate, 0);
  no_cert.AddU64(0x60, 1);
  no_cert.AddString(0x61, "a.toml");
  no_cert.AddString(0x62, "");
  EXPECT_FALSE(Decoded<ConfigUpdate>(no_cert));

  ConfigUpdate zero{0, "a.toml", "", "pem", ""};
  EXPECT_FALSE(Decoded<ConfigUpdate>(zero.ToMessage()));
}

TEST(IpcReloadMessages, KeyReloadRoundTripAndRefusals) {
  KeyReload reload{7, "/etc/k.pem", "/etc/passwd.ocp", "ab12"};
  auto got = Decoded<KeyReload>(reload.ToMessage());
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(got->request_id, 7U);
  EXPECT_EQ(got->private_key, "/etc/k.pem");
  EXPECT_EQ(got->password_file, "/etc/passwd.ocp");
  EXPECT_EQ(got->expected_key_id, "ab12");

  KeyReload no_key{7, "", "", "ab12"};
  EXPECT_FALSE(Decoded<KeyReload>(no_key.ToMessage()));
  // Another type is never read as a reload.
  EXPECT_FALSE(Decoded<KeyReload>(KeyReloadReply{7, true, ""}.ToMessage()));
}

TEST(IpcReloadMessages, KeyReloadReplyCarriesTheError) {
  auto ok = Decoded<KeyReloadReply>(KeyReloadReply{5, true, ""}.ToMessage());
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->ok);
  auto refused =
      Decoded<KeyReloadReply>(KeyReloadReply{5, false, "key does not match"}.ToMessage());
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->ok);
  EXPECT_EQ(refused->error, "key does not match");
  Message bad(MessageType::kKeyReloadReply, 5);
  bad.AddU64(0x68, 2);
  EXPECT_FALSE(Decoded<KeyReloadReply>(bad));
}

TEST(IpcReloadMessages, SignRequestNamesItsKeyOrNot) {
  SignRequest sign{3, SignRequest::Input::kData, 17, 0, Bytes(32, 1), std::string(64, 'a')};
  auto got = Decoded<SignRequest>(sign.ToMessage());
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(got->key_id, std::string(64, 'a'));
  sign.key_id.clear();  // an older worker: the current key
  got = Decoded<SignRequest>(sign.ToMessage());
  ASSERT_TRUE(got);
  EXPECT_EQ(got->key_id, "");
  sign.key_id = std::string(65, 'a');
  EXPECT_FALSE(Decoded<SignRequest>(sign.ToMessage()));
}

}  // namespace
}  // namespace sekisho::proto::ipc
