#include "proto/tunnel/mtu.h"

#include <gtest/gtest.h>

namespace sekisho::proto::tunnel {
namespace {

DtlsSuite Legacy(std::string_view name) { return *LookupSuiteByName(name); }

TEST(MtuTest, OcservNumbersOn1500Link) {
  // traces: ocserv X-DTLS-MTU 1434 (AES-GCM) and 1406 (AES128-SHA) with base 1500.
  auto gcm = ComputeGatewayMtus(1500, 65535, 65425, false, Legacy("OC-DTLS1_2-AES256-GCM"),
                                TlsOverhead::Tls12Gcm());
  EXPECT_EQ(gcm.base_mtu, 1500u);
  EXPECT_EQ(gcm.dtls_mtu, 1434u);
  EXPECT_EQ(gcm.cstp_mtu, 1423u);  // 1500 - 20 - 20 - (5+8+16) - 8
  EXPECT_TRUE(gcm.ipv6_ok);

  auto cbc = ComputeGatewayMtus(1500, 1500, std::nullopt, false, Legacy("AES128-SHA"),
                                TlsOverhead::Tls12Gcm());
  EXPECT_EQ(cbc.dtls_mtu, 1406u);

  auto psk =
      ComputeGatewayMtus(1500, 1500, 1390, false, Legacy("PSK-NEGOTIATE"), TlsOverhead::Tls13());
  EXPECT_EQ(psk.dtls_mtu, 1434u);
  EXPECT_EQ(psk.cstp_mtu, 1430u);  // TLS 1.3: 5 + 1 + 16
}

TEST(MtuTest, OtherSuitesAndIpv6) {
  auto chacha = ComputeGatewayMtus(
      1500, std::nullopt, std::nullopt, false,
      *ChooseDtlsSuite(*ParseConnectRequest({{"X-DTLS-CipherSuite", "PSK-NEGOTIATE"}}), {},
                       "CHACHA20-POLY1305"),
      TlsOverhead::Tls12Chacha());
  EXPECT_EQ(chacha.dtls_mtu, 1442u);
  EXPECT_EQ(chacha.cstp_mtu, 1500u - 20 - 20 - 21 - 8);
  auto des = ComputeGatewayMtus(1500, 1500, std::nullopt, false, Legacy("DES-CBC3-SHA"),
                                TlsOverhead::Tls12Gcm());
  EXPECT_EQ(des.dtls_mtu, 1422u);
  auto v6 = ComputeGatewayMtus(1500, 1500, std::nullopt, true, Legacy("OC-DTLS1_2-AES128-GCM"),
                               TlsOverhead::Tls12Gcm());
  EXPECT_EQ(v6.dtls_mtu, 1414u);
  EXPECT_EQ(v6.cstp_mtu, 1403u);
}

TEST(MtuTest, NoDtls) {
  auto plan =
      ComputeGatewayMtus(1500, 1500, std::nullopt, false, std::nullopt, TlsOverhead::Tls12Gcm());
  EXPECT_EQ(plan.dtls_mtu, 0u);
  EXPECT_EQ(plan.cstp_mtu, 1423u);
}

TEST(MtuTest, LinkIsMinOfConfiguredAndClient) {
  auto plan = ComputeGatewayMtus(1400, 1500, std::nullopt, false, Legacy("AES128-SHA"),
                                 TlsOverhead::Tls12Gcm());
  EXPECT_EQ(plan.base_mtu, 1400u);
  EXPECT_EQ(plan.dtls_mtu, 1306u);
  // Old client sending only X-CSTP-MTU: link = mtu + 28 + 82.
  auto old = ComputeGatewayMtus(1500, std::nullopt, 1300, false, Legacy("AES128-SHA"),
                                TlsOverhead::Tls12Gcm());
  EXPECT_EQ(old.base_mtu, 1410u);
  // Bogus tiny client values are ignored.
  EXPECT_EQ(
      ComputeGatewayMtus(1500, 100, std::nullopt, false, std::nullopt, TlsOverhead::Tls12Gcm())
          .base_mtu,
      1500u);
}

TEST(MtuTest, FloorsAndIpv6Flag) {
  auto small = ComputeGatewayMtus(1300, std::nullopt, std::nullopt, false, Legacy("AES128-SHA"),
                                  TlsOverhead::Tls12Gcm());
  EXPECT_EQ(small.dtls_mtu, 1206u);
  EXPECT_FALSE(small.ipv6_ok);
  auto tiny = ComputeGatewayMtus(300, std::nullopt, std::nullopt, false, Legacy("AES128-SHA"),
                                 TlsOverhead::Tls12Gcm());
  EXPECT_EQ(tiny.dtls_mtu, kMinTunnelMtu);
  EXPECT_EQ(tiny.cstp_mtu, kMinTunnelMtu);
  EXPECT_FALSE(tiny.ipv6_ok);
}

TEST(MtuTest, Client) {
  EXPECT_EQ(ClientRequestedMtu(1500, false), 1390u);
  EXPECT_EQ(ClientRequestedMtu(1500, true), 1370u);
  EXPECT_EQ(ClientRequestedMtu(65535, false), 65425u);  // traces: loopback
  EXPECT_EQ(ClientRequestedMtu(100, false), kMinTunnelMtu);
  EXPECT_EQ(PskDataMtu(1500, Legacy("PSK-NEGOTIATE"), false), 1434u);
  EXPECT_EQ(ClientTunnelMtu(1367, 1390, true), 1390u);
  EXPECT_EQ(ClientTunnelMtu(1367, 1390, false), 1367u);
  EXPECT_EQ(ClientTunnelMtu(0, 1390, false), 1390u);
}

TEST(MtuTest, TlsOverheadFor) {
  EXPECT_EQ(TlsOverheadFor(true, "AES-256-GCM").record_bytes, 22u);
  EXPECT_EQ(TlsOverheadFor(false, "AES-256-GCM").record_bytes, 29u);
  EXPECT_EQ(TlsOverheadFor(false, "CHACHA20-POLY1305").record_bytes, 21u);
  EXPECT_EQ(TlsOverheadFor(false, "AES-128-CBC").record_bytes, 57u);
}

}  // namespace
}  // namespace sekisho::proto::tunnel
