// The typed IPC messages: each survives a round trip through the envelope, and each refuses a
// message that lacks what it needs (a worker may send anything).
#include "proto/ipc/messages.h"

#include <gtest/gtest.h>

namespace sekisho::proto::ipc {
namespace {

template <class T>
T RoundTrip(const T& value) {
  auto encoded = value.ToMessage().Encode();
  EXPECT_TRUE(encoded);
  auto message = Decode(*encoded);
  EXPECT_TRUE(message) << message.error().ToString();
  auto decoded = T::FromMessage(*message);
  EXPECT_TRUE(decoded) << decoded.error().ToString();
  return *decoded;
}

TEST(IpcMessages, LoginRequestCarriesHeadParsedBodyAndCertificate) {
  LoginRequest request;
  request.request_id = 9;
  request.head.method = "POST";
  request.head.target = "/eng";
  request.head.version = 10;
  request.head.headers = {{"Cookie", "webvpncontext=abc"}, {"X-Aggregate-Auth", "1"}};
  request.xml_body = true;
  auth::ClientMessage message;
  message.type = auth::ClientMessageType::kAuthReply;
  message.client_version = "v9.01-3";
  message.group_select = "Sales";
  message.fields = {{"username", SecretString("alice")}, {"password", SecretString(" p w ")}};
  message.aggregate_v2 = true;
  message.opaque = auth::Opaque{"engineering", "eng", "", "", {}};
  request.message = message;
  request.peer_ip = "198.18.0.2";
  request.client_cert = CertificateIdentity{"CN=alice,O=x", "alice", "a1", "eng"};

  LoginRequest got = RoundTrip(request);
  EXPECT_EQ(got.request_id, 9u);
  EXPECT_EQ(got.head.method, "POST");
  EXPECT_EQ(got.head.target, "/eng");
  EXPECT_EQ(got.head.version, 10u);
  ASSERT_EQ(got.head.headers.size(), 2u);
  EXPECT_EQ(got.head.headers[0].name, "Cookie");
  EXPECT_EQ(got.head.headers[0].value, "webvpncontext=abc");
  EXPECT_TRUE(got.head.body.empty());
  EXPECT_TRUE(got.xml_body);
  ASSERT_TRUE(got.message);
  EXPECT_EQ(got.message->type, auth::ClientMessageType::kAuthReply);
  EXPECT_EQ(got.message->group_select, "Sales");
  ASSERT_NE(got.message->FindField("password"), nullptr);
  EXPECT_EQ(got.message->FindField("password")->reveal(), " p w ");
  EXPECT_TRUE(got.message->aggregate_v2);
  ASSERT_TRUE(got.message->opaque);
  EXPECT_EQ(got.message->opaque->tunnel_group, "engineering");
  ASSERT_TRUE(got.client_cert);
  EXPECT_EQ(got.client_cert->uid, "a1");
  EXPECT_EQ(got.peer_ip, "198.18.0.2");
}

TEST(IpcMessages, LoginRequestWithUnreadableBodyKeepsTheReason) {
  LoginRequest request;
  request.head.method = "POST";
  request.head.target = "/";
  request.parse_error = "malformed: not XML";
  LoginRequest got = RoundTrip(request);
  EXPECT_FALSE(got.message);
  EXPECT_EQ(got.parse_error, "malformed: not XML");
  EXPECT_FALSE(got.client_cert);
}

TEST(IpcMessages, ConnectReplyGrantAndRefusal) {
  ConnectReply grant;
  grant.request_id = 4;
  grant.ok = true;
  grant.session_id = 77;
  grant.user = "alice";
  grant.group = "engineering";
  grant.ipv4 = 0xC6126502;
  grant.dtls_session_id = Bytes(32, 0xAB);
  grant.session_remaining_s = 3600;
  grant.dtls_port = 443;
  ConnectReply got = RoundTrip(grant);
  EXPECT_TRUE(got.ok);
  EXPECT_EQ(got.session_id, 77u);
  EXPECT_EQ(got.ipv4, 0xC6126502u);
  EXPECT_EQ(got.dtls_session_id, Bytes(32, 0xAB));
  EXPECT_EQ(got.session_remaining_s, 3600u);
  EXPECT_EQ(got.dtls_port, 443);

  ConnectReply refusal;
  refusal.request_id = 5;
  refusal.http_status = 401;
  refusal.error = "unknown cookie";
  ConnectReply refused = RoundTrip(refusal);
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.http_status, 401u);
  EXPECT_EQ(refused.error, "unknown cookie");
}

TEST(IpcMessages, TunnelMessagesNameTheirConnectionAndSession) {
  TunnelClosed closed{12, 34, TunnelClosed::Kind::kLogoff, {1, 2, 3, 4, 5}, "bye"};
  TunnelClosed got = RoundTrip(closed);
  EXPECT_EQ(got.connection_id, 12u);
  EXPECT_EQ(got.session_id, 34u);
  EXPECT_EQ(got.kind, TunnelClosed::Kind::kLogoff);
  EXPECT_EQ(got.delta.packets_out, 4u);
  EXPECT_EQ(got.delta.dropped_spoofed, 5u);
  EXPECT_EQ(got.reason, "bye");

  TunnelStats stats{12, 34, {10, 20, 1, 2, 7}, "dtls"};
  EXPECT_EQ(RoundTrip(stats).channel, "dtls");
  EXPECT_EQ(RoundTrip(stats).delta.dropped_spoofed, 7u);
  EXPECT_EQ(RoundTrip(stats).delta.packets_out, 2u);
  stats.channel = "anything else";
  EXPECT_EQ(RoundTrip(stats).channel, "tls");

  DtlsHello hello{12, 34, "198.18.0.2", 50000, Bytes{22, 254, 255}};
  DtlsHello hello_got = RoundTrip(hello);
  EXPECT_EQ(hello_got.remote_port, 50000);
  EXPECT_EQ(hello_got.datagram, (Bytes{22, 254, 255}));

  Terminate terminate{12, 34, "admin"};
  EXPECT_EQ(RoundTrip(terminate).reason, "admin");
}

TEST(IpcMessages, ConnectionsAreNamedByMainAndReportTheirPhase) {
  NewConnection connection{77};
  EXPECT_EQ(RoundTrip(connection).connection_id, 77u);
  for (auto phase : {ConnectionPhase::Phase::kEstablished, ConnectionPhase::Phase::kTunnel,
                     ConnectionPhase::Phase::kClosed}) {
    ConnectionPhase change{77, phase};
    ConnectionPhase got = RoundTrip(change);
    EXPECT_EQ(got.connection_id, 77u);
    EXPECT_EQ(got.phase, phase);
  }
  // A worker's phase report is hostile input: unknown phases and missing ids are refused.
  EXPECT_FALSE(NewConnection::FromMessage(Message(MessageType::kNewConnection, 0)));
  Message bad_phase(MessageType::kConnectionPhase, 0);
  bad_phase.AddU64(0x43, 77);
  bad_phase.AddU64(0x44, 3);
  EXPECT_FALSE(ConnectionPhase::FromMessage(bad_phase));
  Message no_id(MessageType::kConnectionPhase, 0);
  no_id.AddU64(0x44, 2);
  EXPECT_FALSE(ConnectionPhase::FromMessage(no_id));
}

TEST(IpcMessages, SecurityModuleRequests) {
  SignRequest sign{3, SignRequest::Input::kHash, 17, 0x100, Bytes(48, 1), ""};
  SignRequest sign_got = RoundTrip(sign);
  EXPECT_EQ(sign_got.input, SignRequest::Input::kHash);
  EXPECT_EQ(sign_got.algorithm, 17u);
  EXPECT_EQ(sign_got.flags, 0x100u);
  EXPECT_EQ(sign_got.payload, Bytes(48, 1));

  CredentialRequest verify;
  verify.op = CredentialRequest::Op::kVerifyPassword;
  verify.user = "alice";
  verify.password = SecretString("secret");
  EXPECT_EQ(RoundTrip(verify).password.reveal(), "secret");

  CredentialRequest group;
  group.op = CredentialRequest::Op::kMayUseGroup;
  group.user = "bob";
  group.group = "sales";
  CredentialRequest group_got = RoundTrip(group);
  EXPECT_EQ(group_got.group, "sales");
  EXPECT_TRUE(group_got.password.reveal().empty());  // never sent for this question
}

TEST(IpcMessages, RefusesMessagesMissingWhatTheyNeed) {
  EXPECT_EQ(ConnectRequest::FromMessage(Message(MessageType::kConnectRequest, 1)).error().code,
            Errc::kMalformed);
  EXPECT_EQ(TunnelClosed::FromMessage(Message(MessageType::kTunnelClosed, 1)).error().code,
            Errc::kMalformed);
  Message bad_kind(MessageType::kTunnelClosed, 1);
  bad_kind.AddU64(0x43, 1);
  bad_kind.AddU64(0x34, 1);
  bad_kind.AddU64(0x42, 9);  // no such kind
  EXPECT_FALSE(TunnelClosed::FromMessage(bad_kind));
  // The wrong type is refused even when the fields would fit.
  Terminate terminate{1, 2, "x"};
  EXPECT_FALSE(DtlsHello::FromMessage(terminate.ToMessage()));
  SignRequest empty;
  EXPECT_FALSE(SignRequest::FromMessage(empty.ToMessage()));  // nothing to sign
  SignRequest huge;
  huge.payload = Bytes(5000, 1);
  EXPECT_FALSE(SignRequest::FromMessage(huge.ToMessage()));
}

}  // namespace
}  // namespace sekisho::proto::ipc
