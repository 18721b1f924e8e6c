#include "client/status_model.h"

#include <gtest/gtest.h>

namespace sekisho::client {
namespace {

ClientStatus Sample() {
  ClientStatus s;
  s.gateway = "https://vpn.example.com/eng";
  s.gateway_ip = "198.18.0.1";
  s.user = "alice";
  s.group = "eng";
  s.interface_name = "sk-test";
  s.address_ipv4 = "198.18.10.20";
  s.pid = 4242;
  s.uptime = seconds(3725);
  s.on_dtls = true;
  s.tls_cipher = "(TLS1.3)-(ECDHE-SECP256R1)-(RSA-PSS-RSAE-SHA256)-(AES-256-GCM)";
  s.dtls_cipher = "PSK-NEGOTIATE, (DTLS1.2)-(PSK)-(AES-256-GCM)";
  s.mtu = 1300;
  s.cstp_mtu = 1406;
  s.dtls_mtu = 1434;
  s.path_mtu = 1300;
  s.tls = {100, 200, 1, 2};
  s.dtls = {3000, 4000, 30, 40};
  DtlsDiagnostics diag(5);
  diag.AttemptStarted();
  diag.Answered();
  diag.Established();
  diag.DataOnDtls();
  s.dtls_status = diag.Snapshot(std::nullopt);
  return s;
}

// ---------------------------------------------------------------- reasons

TEST(DtlsDiagnosticsTest, OffReasons) {
  DtlsDiagnostics diag(5);
  diag.Off(DtlsCause::kDisabled);
  EXPECT_EQ(DtlsWhyNot(diag.Snapshot(std::nullopt)), "DTLS disabled (--no-dtls)");
  diag.Off(DtlsCause::kNotOffered);
  EXPECT_EQ(DtlsWhyNot(diag.Snapshot(std::nullopt)), "the gateway did not offer DTLS");
  diag.Off(DtlsCause::kUnusable, "unknown suite FOO");
  EXPECT_EQ(DtlsWhyNot(diag.Snapshot(std::nullopt)),
            "the gateway's DTLS offer is unusable: unknown suite FOO");
  EXPECT_STREQ(DtlsCauseName(diag.status().cause), "unusable_offer");
  EXPECT_STREQ(DtlsPhaseName(diag.status().phase), "off");
}

TEST(DtlsDiagnosticsTest, RetriesWithoutAnswerSayBlockedUdpWithTheCount) {
  DtlsDiagnostics diag(5);
  diag.AttemptStarted();
  EXPECT_EQ(DtlsWhyNot(diag.Snapshot(std::nullopt)), "DTLS handshake in progress");
  diag.Retransmitted(1);
  diag.Retransmitted(2);
  EXPECT_EQ(DtlsWhyNot(diag.Snapshot(std::nullopt)),
            "no answer on UDP after ClientHello retry 2 of 5 (blocked UDP?)");
  diag.GaveUp(5);
  DtlsStatus s = diag.Snapshot(milliseconds(41200));
  EXPECT_EQ(s.phase, DtlsPhase::kWaiting);
  EXPECT_EQ(s.cause, DtlsCause::kBlockedUdp);
  EXPECT_EQ(DtlsWhyNot(s), "no answer after 5 retries (blocked UDP?); next DTLS attempt in 42 s");
  EXPECT_EQ(DtlsWhyNot(diag.Snapshot(std::nullopt)),
            "no answer after 5 retries (blocked UDP?); no further DTLS attempts");
  // The next attempt's own retry count replaces the old one.
  diag.AttemptStarted();
  diag.Retransmitted(1);
  EXPECT_EQ(DtlsWhyNot(diag.Snapshot(std::nullopt)),
            "no answer on UDP after ClientHello retry 1 of 5 (blocked UDP?)");
  EXPECT_EQ(diag.status().attempts, 2);
}

TEST(DtlsDiagnosticsTest, HandshakeFailureKeepsTheAlertText) {
  DtlsDiagnostics diag(5);
  diag.AttemptStarted();
  diag.Answered();
  EXPECT_EQ(DtlsWhyNot(diag.Snapshot(std::nullopt)),
            "DTLS handshake in progress (the gateway answered)");
  diag.HandshakeFailed(
      "DTLS handshake failed: A TLS fatal alert has been received (Decrypt error)");
  EXPECT_EQ(DtlsWhyNot(diag.Snapshot(seconds(60))),
            "DTLS handshake failed: A TLS fatal alert has been received (Decrypt error); next "
            "DTLS attempt in 60 s");
  EXPECT_STREQ(DtlsCauseName(diag.status().cause), "handshake_failed");
  // A socket error (ICMP port unreachable) gets its context.
  diag.HandshakeFailed("closed: UDP receive: Connection refused");
  EXPECT_EQ(DtlsCauseText(diag.status()),
            "DTLS attempt failed: closed: UDP receive: Connection refused");
}

TEST(DtlsDiagnosticsTest, DpdTimeoutIsTheReasonWhileTheNextAttemptRuns) {
  DtlsDiagnostics diag(5);
  diag.AttemptStarted();
  diag.Answered();
  diag.Established();
  EXPECT_EQ(DtlsWhyNot(diag.Snapshot(std::nullopt)), "DTLS up, waiting for TLS to drain");
  diag.DataOnDtls();
  EXPECT_EQ(DtlsWhyNot(diag.Snapshot(std::nullopt)), "");
  diag.Lost(DtlsCause::kDpdTimeout);
  EXPECT_EQ(DtlsCauseText(diag.status()), "DTLS DPD timeout: no answer on UDP, fell back to TLS");
  diag.AttemptStarted();  // the core retries at once
  diag.Retransmitted(3);
  EXPECT_EQ(DtlsWhyNot(diag.Snapshot(std::nullopt)),
            "DTLS DPD timeout: no answer on UDP, fell back to TLS; no answer on UDP after "
            "ClientHello retry 3 of 5 (blocked UDP?)");
  diag.Answered();
  diag.Established();
  diag.DataOnDtls();
  EXPECT_EQ(diag.status().cause, DtlsCause::kNone);
}

TEST(DtlsDiagnosticsTest, ChannelFailureAndPeerDisconnect) {
  DtlsDiagnostics diag(5);
  diag.Lost(DtlsCause::kChannelFailed, "the gateway closed DTLS");
  EXPECT_EQ(DtlsCauseText(diag.status()), "DTLS channel failed: the gateway closed DTLS");
  diag.Lost(DtlsCause::kPeerDisconnect);
  EXPECT_EQ(DtlsCauseText(diag.status()), "the gateway closed DTLS (DISCONNECT on DTLS)");
}

TEST(DtlsDiagnosticsTest, GatewayTextCannotDriveTheTerminal) {
  DtlsDiagnostics diag(5);
  diag.HandshakeFailed("bad\x1b[2J\r\nthing");
  std::string why = DtlsWhyNot(diag.Snapshot(std::nullopt));
  EXPECT_EQ(why.find('\x1b'), std::string::npos);
  EXPECT_EQ(why.find('\n'), std::string::npos);
  EXPECT_EQ(why.find('\r'), std::string::npos);
}

// ---------------------------------------------------------------- rendering

TEST(StatusRenderTest, TextShowsPathCipherMtuAndCounters) {
  std::string text = RenderStatusText(Sample());
  EXPECT_NE(text.find("Status:      connected\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Gateway:     https://vpn.example.com/eng (198.18.0.1)\n"),
            std::string::npos);
  EXPECT_NE(text.find("User:        alice\n"), std::string::npos);
  EXPECT_NE(text.find("Tunnel:      sk-test 198.18.10.20\n"), std::string::npos);
  EXPECT_NE(text.find("Uptime:      1h02m05s\n"), std::string::npos);
  EXPECT_NE(text.find("Data path:   DTLS\n"), std::string::npos);
  EXPECT_NE(text.find("DTLS cipher: PSK-NEGOTIATE, (DTLS1.2)-(PSK)-(AES-256-GCM)\n"),
            std::string::npos);
  EXPECT_NE(text.find("MTU:         1300 (TLS 1406, X-DTLS-MTU 1434, path 1300)\n"),
            std::string::npos);
  EXPECT_NE(text.find("DTLS data:   in 3000 bytes / 30 packets, out 4000 bytes / 40 packets\n"),
            std::string::npos);
}

TEST(StatusRenderTest, TextOnTlsSaysWhy) {
  ClientStatus s = Sample();
  s.on_dtls = false;
  s.dtls_cipher.clear();
  DtlsDiagnostics diag(5);
  diag.Off(DtlsCause::kDisabled);
  s.dtls_status = diag.Snapshot(std::nullopt);
  std::string text = RenderStatusText(s);
  EXPECT_NE(text.find("Data path:   TLS\n"), std::string::npos) << text;
  EXPECT_NE(text.find("DTLS:        DTLS disabled (--no-dtls)\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("DTLS cipher"), std::string::npos);
}

TEST(StatusRenderTest, JsonHasEveryField) {
  std::string json = RenderStatusJson(Sample());
  for (const char* needle :
       {R"("state":"connected")", R"("pid":4242)", R"("uptime_s":3725)",
        R"("gateway":"https://vpn.example.com/eng")", R"("user":"alice")", R"("group":"eng")",
        R"("interface":"sk-test")", R"("address_ipv4":"198.18.10.20")", R"("data_path":"DTLS")",
        R"x("dtls_cipher":"PSK-NEGOTIATE, (DTLS1.2)-(PSK)-(AES-256-GCM)")x", R"("mtu":1300)",
        R"("cstp_mtu":1406)", R"("dtls_mtu":1434)", R"("path_mtu":1300)",
        R"("tls":{"bytes_in":100,"bytes_out":200,"packets_in":1,"packets_out":2})",
        R"("dtls_state":"up")", R"("dtls_reason":"none")", R"("dtls_why_not":"")",
        R"("dtls_next_attempt_s":null)"}) {
    EXPECT_NE(json.find(needle), std::string::npos) << needle << " in " << json;
  }
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.substr(json.size() - 2), "}\n");
}

TEST(StatusRenderTest, JsonEscapesQuotesAndControls) {
  ClientStatus s = Sample();
  s.user = "a\"b\\c\x01\n";
  std::string json = RenderStatusJson(s);
  EXPECT_NE(json.find(R"("user":"a\"b\\c )"), std::string::npos) << json;
  for (char c : json.substr(0, json.size() - 1)) {
    EXPECT_GE(static_cast<unsigned char>(c), 0x20) << json;
  }
}

TEST(StatusRenderTest, JsonBlockedUdpHasRetriesAndNextAttempt) {
  ClientStatus s = Sample();
  s.on_dtls = false;
  DtlsDiagnostics diag(5);
  diag.AttemptStarted();
  diag.GaveUp(5);
  s.dtls_status = diag.Snapshot(seconds(10));
  std::string json = RenderStatusJson(s);
  EXPECT_NE(json.find(R"("dtls_reason":"blocked_udp")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("dtls_retry":5,"dtls_max_retries":5)"), std::string::npos);
  EXPECT_NE(json.find(R"("dtls_next_attempt_s":10)"), std::string::npos);
  EXPECT_NE(json.find(R"("dtls_state":"waiting")"), std::string::npos);
}

// ---------------------------------------------------------------- requests

TEST(StatusRequestTest, TheTwoCommands) {
  EXPECT_EQ(ParseStatusRequest("status\n"), StatusFormat::kText);
  EXPECT_EQ(ParseStatusRequest("status\r\n"), StatusFormat::kText);
  EXPECT_EQ(ParseStatusRequest("status json\n"), StatusFormat::kJson);
  EXPECT_EQ(ParseStatusRequest("status json"), StatusFormat::kJson);
  EXPECT_FALSE(ParseStatusRequest(""));
  EXPECT_FALSE(ParseStatusRequest("\n"));
  EXPECT_FALSE(ParseStatusRequest("STATUS\n"));
  EXPECT_FALSE(ParseStatusRequest("status  json\n"));
  EXPECT_FALSE(ParseStatusRequest("status json\n\n"));
  EXPECT_FALSE(ParseStatusRequest(std::string_view("status\0\n", 8)));
  EXPECT_FALSE(ParseStatusRequest("disconnect\n"));
}

}  // namespace
}  // namespace sekisho::client
