#include "net/ipv4.h"

#include <gtest/gtest.h>

#include <array>

namespace sekisho::net {
namespace {

TEST(ParseIpv4Test, AcceptsDottedQuads) {
  EXPECT_EQ(ParseIpv4("198.18.0.1"), 0xC6120001U);
  EXPECT_EQ(ParseIpv4("0.0.0.0"), 0U);
  EXPECT_EQ(ParseIpv4("255.255.255.255"), 0xFFFFFFFFU);
  EXPECT_EQ(ParseIpv4("10.0.0.10"), 0x0A00000AU);
}

TEST(ParseIpv4Test, RejectsEverythingElse) {
  for (const char* bad :
       {"", "1", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.-4", "01.2.3.4", "1..3.4", "1.2.3.4 ",
        " 1.2.3.4", "a.b.c.d", "1.2.3.4/24", "1.2.3.", "1000.1.1.1", "0x1.2.3.4"}) {
    EXPECT_FALSE(ParseIpv4(bad).has_value()) << bad;
  }
}

TEST(FormatIpv4Test, RoundTrips) {
  EXPECT_EQ(FormatIpv4(0xC6120001U), "198.18.0.1");
  EXPECT_EQ(FormatIpv4(0), "0.0.0.0");
  EXPECT_EQ(FormatIpv4(0xFFFFFFFFU), "255.255.255.255");
  EXPECT_EQ(ParseIpv4(FormatIpv4(0x0A010203U)), 0x0A010203U);
}

TEST(MaskTest, PrefixToMask) {
  EXPECT_EQ(PrefixToMask(0), 0U);
  EXPECT_EQ(PrefixToMask(1), 0x80000000U);
  EXPECT_EQ(PrefixToMask(24), 0xFFFFFF00U);
  EXPECT_EQ(PrefixToMask(31), 0xFFFFFFFEU);
  EXPECT_EQ(PrefixToMask(32), 0xFFFFFFFFU);
  EXPECT_EQ(PrefixToMask(40), 0xFFFFFFFFU);
}

TEST(MaskTest, MaskToPrefixRoundTripsEveryLength) {
  for (int prefix = 0; prefix <= 32; ++prefix) {
    EXPECT_EQ(MaskToPrefix(PrefixToMask(static_cast<std::uint8_t>(prefix))), prefix);
  }
}

TEST(MaskTest, MaskToPrefixRejectsHoles) {
  EXPECT_FALSE(MaskToPrefix(0xFF00FF00U).has_value());
  EXPECT_FALSE(MaskToPrefix(0x00FFFFFFU).has_value());
  EXPECT_FALSE(MaskToPrefix(0x00000001U).has_value());
}

TEST(Ipv4NetworkTest, ParsesAllThreeForms) {
  EXPECT_EQ(ParseIpv4Network("10.0.0.0/8"), (Ipv4Network{0x0A000000U, 8}));
  EXPECT_EQ(ParseIpv4Network("10.0.0.0/255.0.0.0"), (Ipv4Network{0x0A000000U, 8}));
  EXPECT_EQ(ParseIpv4Network("198.18.0.1"), (Ipv4Network{0xC6120001U, 32}));
  EXPECT_EQ(ParseIpv4Network("0.0.0.0/0"), (Ipv4Network{0, 0}));
}

TEST(Ipv4NetworkTest, RejectsBadSuffixes) {
  for (const char* bad : {"10.0.0.0/", "10.0.0.0/33", "10.0.0.0/255.0.255.0", "10.0.0.0/x",
                          "10.0.0/8", "10.0.0.0/008", "10.0.0.0/-1"}) {
    EXPECT_FALSE(ParseIpv4Network(bad).has_value()) << bad;
  }
}

TEST(Ipv4NetworkTest, Formats) {
  const Ipv4Network network{0xC0A80100U, 24};
  EXPECT_EQ(FormatIpv4Network(network), "192.168.1.0/24");
  EXPECT_EQ(FormatIpv4NetworkWithMask(network), "192.168.1.0/255.255.255.0");
}

// ICMP echo request 198.18.0.2 -> 198.18.0.1, id 1, seq 0, both checksums valid.
constexpr std::array<std::uint8_t, 28> kPing = {
    0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x9c, 0x85, 0xc6, 0x12,
    0x00, 0x02, 0xc6, 0x12, 0x00, 0x01, 0x08, 0x00, 0xf7, 0xfe, 0x00, 0x01, 0x00, 0x00};

TEST(PacketTest, VersionAndAddresses) {
  EXPECT_EQ(IpVersion(kPing), 4);
  EXPECT_EQ(Ipv4Source(kPing), 0xC6120002U);
  EXPECT_EQ(Ipv4Destination(kPing), 0xC6120001U);
}

TEST(PacketTest, RejectsShortOrNonIpv4) {
  EXPECT_EQ(IpVersion({}), 0);
  EXPECT_FALSE(Ipv4Destination(ByteSpan(kPing).first(19)).has_value());
  EXPECT_FALSE(Ipv4Source({}).has_value());
  std::array<std::uint8_t, 40> ipv6{};
  ipv6[0] = 0x60;
  EXPECT_EQ(IpVersion(ipv6), 6);
  EXPECT_FALSE(Ipv4Destination(ipv6).has_value());
  std::array<std::uint8_t, 20> junk{};
  junk[0] = 0x75;
  EXPECT_EQ(IpVersion(junk), 0);
}

TEST(ChecksumTest, MatchesKnownHeader) {
  // RFC 1071 example words 0x0001 0xf203 0xf4f5 0xf6f7 sum to 0xddf2, complemented 0x220d.
  const std::array<std::uint8_t, 8> words = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(InternetChecksum(words), 0x220D);
  // Both the IP header and the ICMP message of kPing carry valid checksums.
  EXPECT_EQ(InternetChecksum(ByteSpan(kPing).first(20)), 0);
  EXPECT_EQ(InternetChecksum(ByteSpan(kPing).subspan(20)), 0);
  // Odd length: the last byte is padded with a zero.
  const std::array<std::uint8_t, 3> odd = {0x01, 0x02, 0x03};
  EXPECT_EQ(InternetChecksum(odd), static_cast<std::uint16_t>(~(0x0102U + 0x0300U)));
}

}  // namespace
}  // namespace sekisho::net
