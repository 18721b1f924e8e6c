// Single-core tests of TunnelCore: framing in place, echoes, ends and their outcomes. The
// two-peer scenarios are in tunnel_pair_test.cc.

#include "proto/session/tunnel_core.h"

#include "proto/cstp/frame.h"
#include "proto/dtls/payload.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace sekisho::proto::session {
namespace {

using cstp::PacketType;
using Kind = TunnelEvent::Kind;
using Role = TunnelCore::Role;

const Instant kT0 = Instant::FromNanos(0) + hours(1);
Instant At(int s) { return kT0 + seconds(s); }

TunnelCore::Config Config(Role role) {
  TunnelCore::Config c;
  c.role = role;
  c.tls_dpd = seconds(30);
  c.tls_keepalive = seconds(20);
  return c;
}

Bytes Frame(PacketType type, std::vector<std::uint8_t> payload = {}) {
  Bytes out(cstp::kHeaderSize + payload.size());
  EXPECT_EQ(cstp::EncodeFrame(type, payload, out), out.size());
  return out;
}

std::vector<TunnelEvent> Drain(TunnelCore& core) {
  std::vector<TunnelEvent> out;
  while (auto e = core.PollEvent()) {
    out.push_back(std::move(*e));
  }
  return out;
}

TunnelEvent OnlyClose(TunnelCore& core) {
  std::vector<TunnelEvent> events = Drain(core);
  EXPECT_EQ(events.size(), 1u);
  EXPECT_EQ(events.empty() ? Kind::kMtu : events[0].kind, Kind::kClosed);
  return events.empty() ? TunnelEvent{} : events[0];
}

TEST(TunnelCoreTest, FramesTunPacketsInPlaceForTls) {
  TunnelCore core(Config(Role::kClient), kT0);
  std::array<std::uint8_t, 64> buf{};
  buf[kTunHeadroom] = 0x45;
  auto out = core.FrameTunPacket(buf, 20, kT0);
  EXPECT_EQ(out.channel, Channel::kTls);
  EXPECT_EQ(out.record.data(), buf.data());
  ASSERT_EQ(out.record.size(), 28u);
  auto parsed = cstp::ParseRecord(out.record);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->type, PacketType::kData);
  EXPECT_EQ(parsed->payload.size(), 20u);
  EXPECT_EQ(parsed->payload[0], 0x45);
  // Too large for one CSTP frame: dropped.
  std::vector<std::uint8_t> big(cstp::kMaxRecordSize + 16);
  EXPECT_EQ(core.FrameTunPacket(big, cstp::kMaxPayload + 1, kT0).channel, Channel::kNone);
}

TEST(TunnelCoreTest, FramesForDtlsWithTheOneByteHeaderOnceSwitched) {
  TunnelCore::Config config = Config(Role::kGateway);
  config.dtls = true;
  TunnelCore core(config, kT0);
  core.OnDtlsHandshakeStarted(kT0);
  core.OnDtlsHandshakeDone(kT0);
  EXPECT_TRUE(core.tun_paused());
  EXPECT_TRUE(core.wants_tls_backlog());
  EXPECT_EQ(core.NextDeadline(), kT0 + milliseconds(2));
  core.OnTlsBacklog(100, kT0 + milliseconds(2));
  EXPECT_EQ(core.data_path(), Channel::kTls);
  core.OnTlsBacklog(0, kT0 + milliseconds(4));
  EXPECT_EQ(core.data_path(), Channel::kDtls);
  EXPECT_FALSE(core.tun_paused());
  std::array<std::uint8_t, 64> buf{};
  auto out = core.FrameTunPacket(buf, 20, kT0);
  EXPECT_EQ(out.channel, Channel::kDtls);
  EXPECT_EQ(out.record.data(), buf.data() + kTunHeadroom - 1);
  EXPECT_EQ(out.record.size(), 21u);
  EXPECT_EQ(out.record[0], 0);
  EXPECT_EQ(core.counters().dtls_packets_out, 1u);
  // The DTLS engine refused it: the same buffer goes to TLS.
  ByteSpan tls = core.RerouteToTls(buf, 20, kT0);
  EXPECT_EQ(tls.size(), 28u);
  EXPECT_EQ(core.counters().dtls_packets_out, 0u);
  EXPECT_EQ(core.counters().packets_out, 1u);
}

TEST(TunnelCoreTest, EchoesDpdRequestsByteForByteOnBothChannels) {
  TunnelCore::Config config = Config(Role::kClient);
  config.dtls = true;
  config.cstp_mtu = 1406;
  config.dtls_mtu = 1434;
  TunnelCore core(config, kT0);
  Bytes dpd = Frame(PacketType::kDpdRequest, {9, 8, 7});
  EXPECT_TRUE(core.OnTlsRecord(dpd, kT0).empty());
  std::array<std::uint8_t, cstp::kMaxRecordSize> out{};
  std::size_t n = core.WriteTlsFrame(out, kT0);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<long>(n)),
            Frame(PacketType::kDpdResponse, {9, 8, 7}));
  EXPECT_EQ(core.WriteTlsFrame(out, kT0), 0u);

  core.OnDtlsPeerAnswered(kT0);
  core.OnDtlsHandshakeDone(kT0);
  const std::uint8_t dtls_dpd[] = {3, 1, 2};
  EXPECT_TRUE(core.OnDtlsRecord(dtls_dpd, kT0).empty());
  n = core.WriteDtlsRecord(out, kT0);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<long>(n)), (Bytes{4, 1, 2}));
  // Keepalives are never answered.
  EXPECT_TRUE(core.OnTlsRecord(Frame(PacketType::kKeepalive), kT0).empty());
  EXPECT_EQ(core.WriteTlsFrame(out, kT0), 0u);
  // DATA on DTLS reaches the TUN.
  const std::uint8_t data[] = {0, 0x45, 0, 0};
  EXPECT_EQ(core.OnDtlsRecord(data, kT0).size(), 3u);
}

TEST(TunnelCoreTest, ClientLivenessSendsDpdThenKeepalive) {
  TunnelCore core(Config(Role::kClient), kT0);
  EXPECT_EQ(core.NextDeadline(), At(20));
  core.OnTimer(At(20));
  std::array<std::uint8_t, cstp::kMaxRecordSize> out{};
  std::size_t n = core.WriteTlsFrame(out, At(20));
  EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<long>(n)), Frame(PacketType::kKeepalive));
  EXPECT_EQ(core.NextDeadline(), At(30));
  core.OnTimer(At(30));
  n = core.WriteTlsFrame(out, At(30));
  EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<long>(n)), Frame(PacketType::kDpdRequest));
}

TEST(TunnelCoreTest, ClientOutcomes) {
  {
    TunnelCore core(Config(Role::kClient), kT0);
    core.OnTlsRecord(Frame(PacketType::kTerminate), kT0);
    TunnelEvent e = OnlyClose(core);
    EXPECT_EQ(e.close_cause, CloseCause::kPeerTerminate);
    EXPECT_EQ(e.close_outcome, CloseOutcome::kStop);
    EXPECT_TRUE(core.OnTlsRecord(Frame(PacketType::kData, {0x45}), kT0).empty());
  }
  {
    TunnelCore core(Config(Role::kClient), kT0);
    core.OnTlsClosed("the gateway closed the connection", kT0);
    TunnelEvent e = OnlyClose(core);
    EXPECT_EQ(e.close_cause, CloseCause::kTlsClosed);
    EXPECT_EQ(e.close_outcome, CloseOutcome::kReconnect);
    EXPECT_EQ(e.text, "the gateway closed the connection");
  }
  {
    TunnelCore core(Config(Role::kClient), kT0);
    core.OnTlsRecord(Frame(PacketType::kCompressed, {1}), kT0);
    EXPECT_EQ(OnlyClose(core).close_outcome, CloseOutcome::kFatal);
  }
  {
    TunnelCore core(Config(Role::kClient), kT0);
    const std::uint8_t unknown[] = {0x53, 0x54, 0x46, 0x01, 0, 0, 10, 0};
    core.OnTlsRecord(unknown, kT0);
    TunnelEvent e = OnlyClose(core);
    EXPECT_EQ(e.close_cause, CloseCause::kProtocolError);
    EXPECT_EQ(e.close_outcome, CloseOutcome::kFatal);
  }
  {
    TunnelCore core(Config(Role::kClient), kT0);
    core.Disconnect("Aborted by caller", kT0);
    std::array<std::uint8_t, cstp::kMaxRecordSize> out{};
    std::size_t n = core.WriteTlsFrame(out, kT0);
    Bytes expected = cstp::UserDisconnectFrame("Aborted by caller");
    EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<long>(n)), expected);
    EXPECT_EQ(OnlyClose(core).close_outcome, CloseOutcome::kStop);
  }
}

TEST(TunnelCoreTest, GatewayDisconnectKinds) {
  {
    TunnelCore core(Config(Role::kGateway), kT0);
    core.OnTlsRecord(Frame(PacketType::kDisconnect), kT0);  // bare: back soon
    EXPECT_EQ(OnlyClose(core).close_outcome, CloseOutcome::kKeepSession);
  }
  {
    TunnelCore core(Config(Role::kGateway), kT0);
    core.OnTlsRecord(Frame(PacketType::kDisconnect, {0xB0, 'b', 'y', 'e'}), kT0);
    TunnelEvent e = OnlyClose(core);
    EXPECT_EQ(e.close_outcome, CloseOutcome::kEndSession);
    EXPECT_EQ(e.text, "bye");
  }
  {
    TunnelCore core(Config(Role::kGateway), kT0);
    core.Disconnect("shutdown", kT0);
    std::array<std::uint8_t, cstp::kMaxRecordSize> out{};
    std::size_t n = core.WriteTlsFrame(out, kT0);
    EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<long>(n)),
              Frame(PacketType::kDisconnect));
    EXPECT_EQ(OnlyClose(core).close_outcome, CloseOutcome::kKeepSession);
  }
}

TEST(TunnelCoreTest, GatewaySessionTimeoutEndsTheSession) {
  TunnelCore::Config config = Config(Role::kGateway);
  config.session_deadline = At(100);
  config.tls_keepalive = Duration(0);
  config.tls_dpd = Duration(0);
  TunnelCore core(config, kT0);
  EXPECT_EQ(core.NextDeadline(), At(100));
  core.OnTimer(At(99));
  EXPECT_FALSE(core.closed());
  core.OnTimer(At(100));
  TunnelEvent e = OnlyClose(core);
  EXPECT_EQ(e.close_cause, CloseCause::kSessionTimeout);
  EXPECT_EQ(e.close_outcome, CloseOutcome::kEndSession);
  EXPECT_EQ(core.NextDeadline(), Instant::Max());
}

TEST(TunnelCoreTest, GatewayDropsOversizedPackets) {
  TunnelCore::Config config = Config(Role::kGateway);
  config.max_rx_packet = 4;
  TunnelCore core(config, kT0);
  EXPECT_EQ(core.OnTlsRecord(Frame(PacketType::kData, {1, 2, 3, 4}), kT0).size(), 4u);
  EXPECT_TRUE(core.OnTlsRecord(Frame(PacketType::kData, {1, 2, 3, 4, 5}), kT0).empty());
  EXPECT_EQ(core.counters().packets_in, 1u);
}

// ---- source-address validation (SourceFilter in the core)

// A 20-byte IPv4 header from `source`, cut to `size` bytes (runts) when smaller.
Bytes Ipv4From(std::array<std::uint8_t, 4> source, std::size_t size = 20) {
  Bytes p(std::max<std::size_t>(size, 20), 0);
  p[0] = 0x45;
  std::copy(source.begin(), source.end(), p.begin() + 12);
  p.resize(size);
  return p;
}

TunnelCore::Config FilteringGateway() {
  TunnelCore::Config config = Config(Role::kGateway);
  config.source_filter.emplace(0xC6120102, std::nullopt);  // 198.18.1.2
  return config;
}

TEST(TunnelCoreTest, GatewayPassesOnlyTheLeasedIpv4Source) {
  TunnelCore core(FilteringGateway(), kT0);
  Bytes genuine = Ipv4From({198, 18, 1, 2});
  EXPECT_EQ(core.OnTlsRecord(Frame(PacketType::kData, genuine), kT0).size(), 20u);
  EXPECT_TRUE(core.OnTlsRecord(Frame(PacketType::kData, Ipv4From({198, 18, 1, 3})), kT0).empty());
  EXPECT_TRUE(core.OnTlsRecord(Frame(PacketType::kData, Ipv4From({10, 0, 0, 1})), kT0).empty());
  EXPECT_EQ(core.counters().packets_in, 1u);
  EXPECT_EQ(core.counters().dropped_spoofed, 2u);
  std::vector<TunnelEvent> events = Drain(core);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kSourceRefused);
  EXPECT_EQ(events[0].text, "IPv4 source 198.18.1.3");
  EXPECT_FALSE(core.closed());  // a spoofed packet is dropped, not a reason to close
}

TEST(TunnelCoreTest, GatewayRefusesIpv6WithoutAnIpv6Lease) {
  TunnelCore core(FilteringGateway(), kT0);
  Bytes ipv6(40, 0);
  ipv6[0] = 0x60;
  ipv6[8] = 0xfe;  // fe80::1, a router solicitation's source
  ipv6[9] = 0x80;
  ipv6[23] = 0x01;
  EXPECT_TRUE(core.OnTlsRecord(Frame(PacketType::kData, ipv6), kT0).empty());
  EXPECT_EQ(core.counters().packets_in, 0u);
  // Refused, but counted apart from spoofing and not reported: every OS sends these.
  EXPECT_EQ(core.counters().dropped_unleased_ipv6, 1u);
  EXPECT_EQ(core.counters().dropped_spoofed, 0u);
  EXPECT_TRUE(Drain(core).empty());
  // ... so the first real spoofing is still reported at once.
  EXPECT_TRUE(core.OnTlsRecord(Frame(PacketType::kData, Ipv4From({10, 0, 0, 9})), kT0).empty());
  std::vector<TunnelEvent> events = Drain(core);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].text, "IPv4 source 10.0.0.9");
}

TEST(SourceFilterTest, Ipv6OutsideTheLeasedPrefixIsSpoofed) {
  Ipv6Prefix prefix;
  prefix.address = {0x20, 0x01, 0x0d, 0xb8};
  prefix.length = 64;
  SourceFilter filter(0x0A000002, prefix);
  Bytes packet(40, 0);
  packet[0] = 0x60;
  packet[8] = 0x20;
  packet[9] = 0x01;
  EXPECT_EQ(filter.Check(packet), SourceFilter::Verdict::kSpoofedIpv6);
  EXPECT_EQ(SourceFilter::Describe(packet, SourceFilter::Verdict::kSpoofedIpv6),
            "IPv6 source 2001:0:0:0:0:0:0:0");
}

TEST(TunnelCoreTest, GatewayDropsRuntsAndUnknownIpVersions) {
  TunnelCore core(FilteringGateway(), kT0);
  // Too short to hold the source address, for IPv4 and IPv6; versions 0 and 5.
  EXPECT_TRUE(core.OnTlsRecord(Frame(PacketType::kData, {0x45, 0, 0}), kT0).empty());
  Bytes short_v4 = Ipv4From({198, 18, 1, 2}, 15);
  EXPECT_TRUE(core.OnTlsRecord(Frame(PacketType::kData, short_v4), kT0).empty());
  // The leased source, but shorter than an IPv4 header (found by tests/fuzz/source_filter).
  Bytes cut_leased = Ipv4From({198, 18, 1, 2}, 19);
  EXPECT_TRUE(core.OnTlsRecord(Frame(PacketType::kData, cut_leased), kT0).empty());
  EXPECT_TRUE(core.OnTlsRecord(Frame(PacketType::kData, Bytes(23, 0x60)), kT0).empty());
  Bytes v5 = Ipv4From({198, 18, 1, 2});
  v5[0] = 0x55;
  EXPECT_TRUE(core.OnTlsRecord(Frame(PacketType::kData, v5), kT0).empty());
  v5[0] = 0x05;
  EXPECT_TRUE(core.OnTlsRecord(Frame(PacketType::kData, v5), kT0).empty());
  EXPECT_EQ(core.counters().dropped_spoofed, 6u);
  EXPECT_EQ(core.counters().packets_in, 0u);
  std::vector<TunnelEvent> events = Drain(core);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].text, "a 3-byte packet (no IP header)");
}

TEST(TunnelCoreTest, ClientCoreChecksNoSources) {
  TunnelCore core(Config(Role::kClient), kT0);
  EXPECT_EQ(core.OnTlsRecord(Frame(PacketType::kData, Ipv4From({1, 2, 3, 4})), kT0).size(), 20u);
  EXPECT_EQ(core.counters().dropped_spoofed, 0u);
}

TEST(SourceFilterTest, Ipv6PrefixesSlotIn) {
  Ipv6Prefix prefix;
  prefix.address = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0x10};
  prefix.length = 61;  // 2001:db8:0:10::/61 -> ...:0010 to ...:0017 in the fourth group
  SourceFilter filter(std::nullopt, prefix);
  Bytes packet(40, 0);
  packet[0] = 0x60;
  std::copy(prefix.address.begin(), prefix.address.end(), packet.begin() + 8);
  packet[8 + 15] = 0x99;
  EXPECT_EQ(filter.Check(packet), SourceFilter::Verdict::kPass);
  packet[8 + 7] = 0x17;
  EXPECT_EQ(filter.Check(packet), SourceFilter::Verdict::kPass);
  packet[8 + 7] = 0x18;
  EXPECT_EQ(filter.Check(packet), SourceFilter::Verdict::kSpoofedIpv6);
  // No IPv4 lease: every IPv4 packet is refused.
  EXPECT_EQ(filter.Check(Ipv4From({10, 0, 0, 2})), SourceFilter::Verdict::kSpoofedIpv4);
}

}  // namespace
}  // namespace sekisho::proto::session
