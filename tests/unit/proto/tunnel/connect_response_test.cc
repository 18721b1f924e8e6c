#include "proto/tunnel/connect_response.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string_view>

namespace sekisho::proto::tunnel {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// "Name: value" lines, as openconnect logs response headers.
http::HeaderList HeadersFromText(std::string_view text) {
  http::HeaderList out;
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    auto colon = line.find(": ");
    if (colon == std::string_view::npos) {
      continue;
    }
    out.push_back({std::string(line.substr(0, colon)), std::string(line.substr(colon + 2))});
  }
  return out;
}

constexpr std::string_view kOcservCommon = R"(X-CSTP-Version: 1
X-CSTP-Server-Name: ocserv 1.1.6
X-CSTP-Hostname: vm
X-CSTP-DPD: 90
X-CSTP-Default-Domain: example.com
X-CSTP-Address: 198.18.10.190
X-CSTP-Netmask: 255.255.255.0
X-CSTP-DNS: 198.18.10.1
X-CSTP-Split-DNS: example.com
X-CSTP-Split-Include: 198.18.20.0/255.255.255.0
X-CSTP-Tunnel-All-DNS: false
X-CSTP-Client-Bypass-Protocol: false
X-CSTP-Split-Exclude: 198.18.20.128/255.255.255.128
X-CSTP-Keepalive: 32400
X-CSTP-Idle-Timeout: 1200
X-CSTP-Smartcard-Removal-Disconnect: true
X-CSTP-Rekey-Time: 172829
X-CSTP-Rekey-Method: ssl
X-CSTP-Session-Timeout: 86400
X-CSTP-Session-Timeout-Remaining: 86400
X-CSTP-Disconnected-Timeout: none
X-CSTP-Keep: true
X-CSTP-TCP-Keepalive: true
X-CSTP-License: accept
X-DTLS-DPD: 90
X-DTLS-Port: 4443
X-DTLS-Rekey-Time: 172839
X-DTLS-Rekey-Method: ssl
X-DTLS-Keepalive: 32400
)";

// traces/ref-oc901-ocserv116-psk.log lines 169-204 (the DTLS-specific tail).
constexpr std::string_view kOcservPskTail =
    R"(X-DTLS-App-ID: 4d09e16119b4b87765866be7ad17d249cbb6207ff6b32ffac614ddf2902c99ae
X-DTLS-CipherSuite: PSK-NEGOTIATE
X-CSTP-Base-MTU: 1500
X-CSTP-MTU: 1434
X-CSTP-Banner: Doc banner
X-DTLS-Content-Encoding: oc-lz4
X-CSTP-Content-Encoding: oc-lz4
)";

// traces/ref-oc901-ocserv116-dtls09.log lines 197-204.
constexpr std::string_view kOcservDtls09Tail =
    R"(X-DTLS-Session-ID: 9ee5488b6bbf0a0bac9f0cda5ee16ba7858ae0046c4de89e5971d2236754bef8
X-DTLS-CipherSuite: AES128-SHA
X-DTLS-MTU: 1406
X-CSTP-Base-MTU: 1500
X-CSTP-MTU: 1406
X-CSTP-Banner: Doc banner
X-DTLS-Content-Encoding: oc-lz4
X-CSTP-Content-Encoding: oc-lz4
)";

// traces/ref-oc901-ocserv116-dtls12-profile.log lines 219-226.
constexpr std::string_view kOcservDtls12Tail =
    R"(X-DTLS-Session-ID: e7aa4f115ea1355dc9580d716178605a6abde7c9c601ed4f91f5ece2a96a3cbc
X-DTLS12-CipherSuite: AES256-GCM-SHA384
X-DTLS-MTU: 1434
X-CSTP-Base-MTU: 1500
X-CSTP-MTU: 1434
X-CSTP-Banner: Doc banner
X-DTLS-Content-Encoding: oc-lz4
X-CSTP-Content-Encoding: oc-lz4
)";

// anyconnect.md §6.1, ASA-style response.
constexpr std::string_view kAsa = R"(X-CSTP-Version: 1
X-CSTP-Protocol: Copyright (c) 2004 Cisco Systems, Inc.
X-CSTP-Address: 10.10.0.25
X-CSTP-Netmask: 255.255.255.0
X-CSTP-Hostname: laptop-7
X-CSTP-Lease-Duration: 1209600
X-CSTP-Session-Timeout: none
X-CSTP-Session-Timeout-Alert-Interval: 60
X-CSTP-Session-Timeout-Remaining: none
X-CSTP-Idle-Timeout: 1800
X-CSTP-DNS: 10.10.0.53
X-CSTP-Disconnected-Timeout: 1800
X-CSTP-Split-Include: 10.10.0.0/255.255.0.0
X-CSTP-Keep: false
X-CSTP-Tunnel-All-DNS: false
X-CSTP-DPD: 30
X-CSTP-Keepalive: 20
X-CSTP-MSIE-Proxy-Lockdown: false
X-CSTP-Smartcard-Removal-Disconnect: true
X-DTLS-Session-ID: D83BA016CE011ABBB2A5D303A0DA36304FB2F426E6AF187705A47EA9DE2CCE31
X-DTLS-Port: 443
X-DTLS-Keepalive: 20
X-DTLS-DPD: 30
X-CSTP-MTU: 1367
X-DTLS-MTU: 1390
X-DTLS12-CipherSuite: ECDHE-RSA-AES256-GCM-SHA384
X-CSTP-Routing-Filtering-Ignore: false
X-CSTP-Quarantine: false
X-CSTP-Disable-Always-On-VPN: false
X-CSTP-Client-Bypass-Protocol: false
X-CSTP-TCP-Keepalive: false
)";

http::HeaderList Ocserv(std::string_view tail) {
  return HeadersFromText(std::string(kOcservCommon) + std::string(tail));
}

void ExpectSameResponse(const ConnectResponse& a, const ConnectResponse& b) {
  EXPECT_EQ(a.server_name, b.server_name);
  EXPECT_EQ(a.hostname, b.hostname);
  EXPECT_EQ(a.address, b.address);
  EXPECT_EQ(a.netmask, b.netmask);
  EXPECT_EQ(a.address_ip6, b.address_ip6);
  EXPECT_EQ(a.dns, b.dns);
  EXPECT_EQ(a.nbns, b.nbns);
  EXPECT_EQ(a.split_dns, b.split_dns);
  EXPECT_EQ(a.split_include, b.split_include);
  EXPECT_EQ(a.split_exclude, b.split_exclude);
  EXPECT_EQ(a.split_include_ip6, b.split_include_ip6);
  EXPECT_EQ(a.split_exclude_ip6, b.split_exclude_ip6);
  EXPECT_EQ(a.default_domain, b.default_domain);
  EXPECT_EQ(a.tunnel_all_dns, b.tunnel_all_dns);
  EXPECT_EQ(a.mtu, b.mtu);
  EXPECT_EQ(a.base_mtu, b.base_mtu);
  EXPECT_EQ(a.dpd_s, b.dpd_s);
  EXPECT_EQ(a.keepalive_s, b.keepalive_s);
  EXPECT_EQ(a.idle_timeout_s, b.idle_timeout_s);
  EXPECT_EQ(a.session_timeout_s, b.session_timeout_s);
  EXPECT_EQ(a.session_timeout_remaining_s, b.session_timeout_remaining_s);
  EXPECT_EQ(a.disconnected_timeout_s, b.disconnected_timeout_s);
  EXPECT_EQ(a.lease_duration_s, b.lease_duration_s);
  EXPECT_EQ(a.rekey_time_s, b.rekey_time_s);
  EXPECT_EQ(a.rekey_method, b.rekey_method);
  EXPECT_EQ(a.banner, b.banner);
  EXPECT_EQ(a.post_auth_xml, b.post_auth_xml);
  EXPECT_EQ(a.cstp_content_encoding, b.cstp_content_encoding);
  ASSERT_EQ(a.dtls.has_value(), b.dtls.has_value());
  if (a.dtls) {
    EXPECT_EQ(a.dtls->port, b.dtls->port);
    EXPECT_EQ(a.dtls->session_id_hex, b.dtls->session_id_hex);
    EXPECT_EQ(a.dtls->app_id_hex, b.dtls->app_id_hex);
    EXPECT_EQ(a.dtls->ciphersuite, b.dtls->ciphersuite);
    EXPECT_EQ(a.dtls->dtls12_ciphersuite, b.dtls->dtls12_ciphersuite);
    EXPECT_EQ(a.dtls->mtu, b.dtls->mtu);
    EXPECT_EQ(a.dtls->dpd_s, b.dtls->dpd_s);
    EXPECT_EQ(a.dtls->keepalive_s, b.dtls->keepalive_s);
    EXPECT_EQ(a.dtls->rekey_time_s, b.dtls->rekey_time_s);
    EXPECT_EQ(a.dtls->rekey_method, b.dtls->rekey_method);
    EXPECT_EQ(a.dtls->content_encoding, b.dtls->content_encoding);
  }
  ASSERT_EQ(a.extra.size(), b.extra.size());
  for (std::size_t i = 0; i < a.extra.size(); ++i) {
    EXPECT_EQ(a.extra[i].name, b.extra[i].name);
    EXPECT_EQ(a.extra[i].value, b.extra[i].value);
  }
}

void ExpectRoundTrip(const ConnectResponse& parsed) {
  auto again = ParseConnectResponse(BuildConnectResponseHeaders(parsed));
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  ExpectSameResponse(parsed, *again);
}

TEST(ConnectResponseTest, OcservPsk) {
  auto r = ParseConnectResponse(Ocserv(kOcservPskTail));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->server_name, "ocserv 1.1.6");
  EXPECT_EQ(r->hostname, "vm");
  EXPECT_EQ(r->address, "198.18.10.190");
  EXPECT_EQ(r->netmask, "255.255.255.0");
  EXPECT_TRUE(r->address_ip6.empty());
  EXPECT_THAT(r->dns, ElementsAre("198.18.10.1"));
  EXPECT_THAT(r->split_dns, ElementsAre("example.com"));
  EXPECT_THAT(r->split_include, ElementsAre("198.18.20.0/255.255.255.0"));
  EXPECT_THAT(r->split_exclude, ElementsAre("198.18.20.128/255.255.255.128"));
  EXPECT_EQ(r->default_domain, "example.com");
  EXPECT_FALSE(r->tunnel_all_dns);
  EXPECT_EQ(r->mtu, 1434u);
  EXPECT_EQ(r->base_mtu, 1500u);
  EXPECT_EQ(r->dpd_s, 90u);
  EXPECT_EQ(r->keepalive_s, 32400u);
  EXPECT_EQ(r->idle_timeout_s, 1200u);
  EXPECT_EQ(r->session_timeout_s, 86400u);
  EXPECT_EQ(r->session_timeout_remaining_s, 86400u);
  EXPECT_FALSE(r->disconnected_timeout_s.has_value());
  EXPECT_FALSE(r->lease_duration_s.has_value());
  EXPECT_EQ(r->rekey_time_s, 172829u);
  EXPECT_EQ(r->rekey_method, "ssl");
  EXPECT_EQ(r->banner, "Doc banner");
  EXPECT_EQ(r->cstp_content_encoding, "oc-lz4");
  ASSERT_TRUE(r->dtls.has_value());
  EXPECT_EQ(r->dtls->port, 4443);
  EXPECT_EQ(r->dtls->app_id_hex,
            "4d09e16119b4b87765866be7ad17d249cbb6207ff6b32ffac614ddf2902c99ae");
  EXPECT_TRUE(r->dtls->session_id_hex.empty());
  EXPECT_EQ(r->dtls->ciphersuite, "PSK-NEGOTIATE");
  EXPECT_EQ(r->dtls->mtu, 0u);
  EXPECT_EQ(r->dtls->dpd_s, 90u);
  EXPECT_EQ(r->dtls->rekey_time_s, 172839u);
  EXPECT_EQ(r->dtls->rekey_method, "ssl");
  EXPECT_EQ(r->dtls->content_encoding, "oc-lz4");
  std::vector<std::string> extra;
  for (const auto& h : r->extra) {
    extra.push_back(h.name);
  }
  EXPECT_THAT(extra,
              ElementsAre("X-CSTP-Client-Bypass-Protocol", "X-CSTP-Smartcard-Removal-Disconnect",
                          "X-CSTP-Keep", "X-CSTP-TCP-Keepalive", "X-CSTP-License"));
  ExpectRoundTrip(*r);
}

TEST(ConnectResponseTest, OcservDtls09) {
  auto r = ParseConnectResponse(Ocserv(kOcservDtls09Tail));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_TRUE(r->dtls.has_value());
  EXPECT_EQ(r->dtls->session_id_hex,
            "9ee5488b6bbf0a0bac9f0cda5ee16ba7858ae0046c4de89e5971d2236754bef8");
  EXPECT_EQ(r->dtls->ciphersuite, "AES128-SHA");
  EXPECT_EQ(r->dtls->mtu, 1406u);
  EXPECT_EQ(r->mtu, 1406u);
  ExpectRoundTrip(*r);
}

TEST(ConnectResponseTest, OcservDtls12) {
  auto r = ParseConnectResponse(Ocserv(kOcservDtls12Tail));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_TRUE(r->dtls.has_value());
  EXPECT_EQ(r->dtls->dtls12_ciphersuite, "AES256-GCM-SHA384");
  EXPECT_TRUE(r->dtls->ciphersuite.empty());
  EXPECT_EQ(r->dtls->mtu, 1434u);
  ExpectRoundTrip(*r);
}

TEST(ConnectResponseTest, AsaSample) {
  auto r = ParseConnectResponse(HeadersFromText(kAsa));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->address, "10.10.0.25");
  EXPECT_EQ(r->lease_duration_s, 1209600u);
  EXPECT_FALSE(r->session_timeout_s.has_value());
  EXPECT_FALSE(r->session_timeout_remaining_s.has_value());
  EXPECT_EQ(r->idle_timeout_s, 1800u);
  EXPECT_EQ(r->disconnected_timeout_s, 1800u);
  EXPECT_EQ(r->mtu, 1367u);
  EXPECT_EQ(r->dpd_s, 30u);
  EXPECT_EQ(r->keepalive_s, 20u);
  ASSERT_TRUE(r->dtls.has_value());
  EXPECT_EQ(r->dtls->port, 443);
  EXPECT_EQ(r->dtls->mtu, 1390u);
  EXPECT_EQ(r->dtls->dtls12_ciphersuite, "ECDHE-RSA-AES256-GCM-SHA384");
  EXPECT_TRUE(r->cstp_content_encoding.empty());
  ExpectRoundTrip(*r);
}

TEST(ConnectResponseTest, BuildUsesExactSpellingsAndNoEmptyValues) {
  ConnectResponse r;
  r.address = "198.18.10.2";
  r.netmask = "255.255.255.0";
  r.mtu = 1423;
  r.base_mtu = 1500;
  r.split_include = {"198.18.20.0/255.255.255.0"};
  r.banner = "100% up\nline 2";
  r.dtls = ConnectResponse::Dtls{};
  r.dtls->port = 443;
  r.dtls->app_id_hex = "abcd";
  r.dtls->ciphersuite = "PSK-NEGOTIATE";
  r.dtls->mtu = 1434;
  auto h = BuildConnectResponseHeaders(r);
  auto find = [&h](std::string_view name) -> const std::string* {
    for (const auto& header : h) {
      if (header.name == name) {  // case-sensitive, like openconnect
        return &header.value;
      }
    }
    return nullptr;
  };
  for (const auto& header : h) {
    EXPECT_FALSE(header.value.empty()) << header.name;
  }
  ASSERT_NE(find("X-CSTP-MTU"), nullptr);
  EXPECT_EQ(*find("X-CSTP-MTU"), "1423");
  EXPECT_EQ(*find("X-DTLS-MTU"), "1434");
  EXPECT_EQ(*find("X-CSTP-Idle-Timeout"), "none");
  EXPECT_EQ(*find("X-CSTP-Session-Timeout"), "none");
  EXPECT_EQ(*find("X-CSTP-Session-Timeout-Remaining"), "none");
  EXPECT_EQ(*find("X-CSTP-Disconnected-Timeout"), "none");
  EXPECT_EQ(*find("X-CSTP-Lease-Duration"), "none");
  EXPECT_EQ(*find("X-CSTP-Rekey-Method"), "none");
  EXPECT_EQ(*find("X-CSTP-Banner"), "100%25 up%0Aline 2");
  EXPECT_EQ(*find("X-DTLS-App-ID"), "abcd");
  EXPECT_EQ(find("X-DTLS-Session-ID"), nullptr);
  EXPECT_EQ(h.front().name, "X-CSTP-Version");

  auto back = ParseConnectResponse(h);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->banner, "100% up\nline 2");
}

TEST(ConnectResponseTest, MissingMtuIsProtocolError) {
  auto r = ParseConnectResponse(HeadersFromText("X-CSTP-Address: 10.0.0.1\n"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kProtocol);
  EXPECT_NE(r.error().context.find("MTU"), std::string::npos);
}

TEST(ConnectResponseTest, MissingAddressIsProtocolError) {
  auto r = ParseConnectResponse(HeadersFromText("X-CSTP-MTU: 1400\nX-CSTP-Netmask: 255.0.0.0\n"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kProtocol);
  EXPECT_NE(r.error().context.find("address"), std::string::npos);
}

TEST(ConnectResponseTest, OnlyDtlsMtuIsEnough) {
  auto r = ParseConnectResponse(HeadersFromText("X-CSTP-Address: 10.0.0.1\nX-DTLS-MTU: 1390\n"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->mtu, 1390u);
  EXPECT_FALSE(r->dtls.has_value());  // no session id / app id: no DTLS
}

TEST(ConnectResponseTest, BadSessionIdFailsWholeConnect) {
  auto r = ParseConnectResponse(
      HeadersFromText("X-CSTP-Address: 10.0.0.1\nX-CSTP-MTU: 1400\nX-DTLS-Session-ID: abcd\n"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kProtocol);
  std::string zs(64, 'z');
  EXPECT_FALSE(ParseConnectResponse(HeadersFromText("X-CSTP-Address: 10.0.0.1\nX-CSTP-MTU: "
                                                    "1400\nX-DTLS-Session-ID: " +
                                                    zs + "\n"))
                   .has_value());
}

TEST(ConnectResponseTest, UnknownContentEncodingFails) {
  EXPECT_FALSE(
      ParseConnectResponse(
          HeadersFromText(
              "X-CSTP-Address: 10.0.0.1\nX-CSTP-MTU: 1400\nX-CSTP-Content-Encoding: gzip\n"))
          .has_value());
  EXPECT_FALSE(ParseConnectResponse(HeadersFromText("X-CSTP-Address: 10.0.0.1\nX-CSTP-MTU: 1400\n"
                                                    "X-DTLS-Content-Encoding: deflate\n"))
                   .has_value());
  EXPECT_TRUE(ParseConnectResponse(HeadersFromText("X-CSTP-Address: 10.0.0.1\nX-CSTP-MTU: 1400\n"
                                                   "X-CSTP-Content-Encoding: deflate\n"))
                  .has_value());
}

TEST(ConnectResponseTest, RepeatedHeaders) {
  auto r = ParseConnectResponse(HeadersFromText(R"(X-CSTP-MTU: 1400
X-CSTP-Address: 10.0.0.1
X-CSTP-Netmask: 255.0.0.0
X-CSTP-Address: 10.0.0.2
X-CSTP-Netmask: 255.255.0.0
X-CSTP-DNS: 1.1.1.1
X-CSTP-DNS-IP6: fd00::1
X-CSTP-DNS: 2.2.2.2
X-CSTP-DNS: 3.3.3.3
X-CSTP-NBNS: 4.4.4.4
X-CSTP-Split-Include: 10.1.0.0/255.255.0.0
X-CSTP-Split-Include: 10.2.0.0/255.255.0.0
X-CSTP-Split-Include: 10.3.0.0/255.255.0.0
X-CSTP-Split-Include: 10.4.0.0/255.255.0.0
)"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->address, "10.0.0.2");
  EXPECT_EQ(r->netmask, "255.255.0.0");
  EXPECT_THAT(r->dns, ElementsAre("1.1.1.1", "fd00::1", "2.2.2.2"));
  EXPECT_THAT(r->nbns, ElementsAre("4.4.4.4"));
  EXPECT_EQ(r->split_include.size(), 4u);
}

TEST(ConnectResponseTest, NoneZeroAndAbsenceAreAlike) {
  auto r = ParseConnectResponse(HeadersFromText(R"(X-CSTP-MTU: 1400
X-CSTP-Address: 10.0.0.1
X-CSTP-Session-Timeout: 0
X-CSTP-Session-Timeout-Remaining: none
X-CSTP-Idle-Timeout: bogus
X-CSTP-Rekey-Method: none
)"));
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->session_timeout_s.has_value());
  EXPECT_FALSE(r->session_timeout_remaining_s.has_value());
  EXPECT_FALSE(r->idle_timeout_s.has_value());
  EXPECT_FALSE(r->disconnected_timeout_s.has_value());
  EXPECT_TRUE(r->rekey_method.empty());
}

TEST(ConnectResponseTest, LegacyIpv6Form) {
  auto r = ParseConnectResponse(HeadersFromText(R"(X-CSTP-MTU: 1400
X-CSTP-Address: fd00:1::5
X-CSTP-Netmask: fd00:1::/64
)"));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->address.empty());
  EXPECT_EQ(r->address_ip6, "fd00:1::5/64");
  ExpectRoundTrip(*r);
}

TEST(ConnectResponseTest, AppIdLimits) {
  auto with_app_id = [](const std::string& id) {
    return ParseConnectResponse(
        HeadersFromText("X-CSTP-MTU: 1400\nX-CSTP-Address: 10.0.0.1\n"
                        "X-DTLS-Port: 443\nX-DTLS-App-ID: " +
                        id + "\n"));
  };
  EXPECT_TRUE(with_app_id("ab").has_value());
  EXPECT_TRUE(with_app_id(std::string(64, 'a')).has_value());
  EXPECT_FALSE(with_app_id(std::string(66, 'a')).has_value());
  EXPECT_FALSE(with_app_id("abc").has_value());
  EXPECT_TRUE(with_app_id("ab")->dtls.has_value());
}

TEST(ConnectResponseTest, DtlsNeedsAPort) {
  auto r = ParseConnectResponse(HeadersFromText(
      "X-CSTP-MTU: 1400\nX-CSTP-Address: 10.0.0.1\nX-DTLS-App-ID: ab\nX-DTLS-Port: 0\n"));
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->dtls.has_value());
}

}  // namespace
}  // namespace sekisho::proto::tunnel
