// Two-peer tests of TunnelCore: a client core and a gateway core over fake TLS/UDP pipes on a
// fake clock (tunnel_pair.h). Every scenario runs in virtual time, in milliseconds of real time.

#include "tunnel_pair.h"

#include <gtest/gtest.h>

#include <vector>

namespace sekisho::proto::session {
namespace {

using testing::Packet;
using testing::SeqOf;
using testing::Stamped;
using testing::TunnelPair;
using Kind = TunnelEvent::Kind;
using Role = TunnelCore::Role;

constexpr std::uint32_t kCstpMtu = 1406;
constexpr std::uint32_t kDtlsMtu = 1434;

TunnelCore::Config ClientConfig(bool dtls) {
  TunnelCore::Config c;
  c.role = Role::kClient;
  c.tls_dpd = seconds(30);
  c.tls_keepalive = seconds(20);
  c.dtls = dtls;
  c.dtls_dpd = seconds(2);
  c.cstp_mtu = kCstpMtu;
  c.dtls_mtu = kDtlsMtu;
  c.dtls_retry.retry_period = seconds(60);
  return c;
}

TunnelCore::Config GatewayConfig(bool dtls) {
  TunnelCore::Config c;
  c.role = Role::kGateway;
  c.tls_dpd = seconds(30);
  c.tls_keepalive = seconds(20);
  c.dtls = dtls;
  c.dtls_dpd = seconds(2);
  return c;
}

std::vector<std::uint32_t> Seqs(const std::vector<testing::Delivered>& rx) {
  std::vector<std::uint32_t> out;
  for (const auto& d : rx) {
    out.push_back(SeqOf(d.packet));
  }
  return out;
}

std::vector<std::uint32_t> Range(std::uint32_t n) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t i = 0; i < n; ++i) {
    out.push_back(i);
  }
  return out;
}

TEST(TunnelPairTest, PingBothWaysOverTls) {
  TunnelPair pair(ClientConfig(false), GatewayConfig(false));
  pair.gateway.echo = true;
  for (std::uint32_t i = 0; i < 3; ++i) {
    pair.client.tun_tx.push_back(Packet('c', i));
  }
  pair.gateway.tun_tx.push_back(Packet('g', 7));
  pair.RunFor(milliseconds(100));

  ASSERT_EQ(pair.gateway.tun_rx.size(), 3u);
  EXPECT_EQ(Seqs(pair.gateway.tun_rx), Range(3));
  EXPECT_EQ(pair.gateway.tun_rx[0].at, pair.At(0.020));  // one TLS latency
  EXPECT_EQ(pair.gateway.tun_rx[0].packet, Packet('c', 0));
  ASSERT_EQ(pair.client.tun_rx.size(), 4u);  // the gateway's own packet, then 3 echoes
  EXPECT_EQ(pair.client.tun_rx[0].packet, Packet('g', 7));
  EXPECT_EQ(pair.client.tun_rx[1].packet[1], 'e');
  for (const auto& d : pair.client.tun_rx) {
    EXPECT_EQ(d.via, Channel::kTls);
  }
  EXPECT_EQ(pair.client.core.counters().packets_out, 3u);
  EXPECT_EQ(pair.client.core.counters().packets_in, 4u);
  EXPECT_EQ(pair.gateway.core.counters().bytes_in, 60u);
  EXPECT_TRUE(pair.client.events.empty());
}

// Feeds the client's TUN one packet per millisecond while DTLS comes up; returns the pair.
void StreamDuringHandshake(TunnelPair& pair, std::uint32_t packets) {
  for (std::uint32_t i = 0; i < packets; ++i) {
    pair.client.tun_tx.push_back(Packet('c', i));
    pair.RunFor(milliseconds(1));
  }
  pair.RunFor(milliseconds(500));
}

TEST(TunnelPairTest, DataMovesToDtlsOnlyOnceTheTlsBacklogIsAcknowledged) {
  // UDP (5 ms) is faster than TLS (20 ms): a switch without waiting would let the first DTLS
  // packets overtake the last TLS ones.
  TunnelPair pair(ClientConfig(true), GatewayConfig(true));
  pair.gateway.echo = true;
  StreamDuringHandshake(pair, 60);

  // Every packet arrived, in order, at both ends; both channels carried some.
  EXPECT_EQ(Seqs(pair.gateway.tun_rx), Range(60));
  EXPECT_EQ(Seqs(pair.client.tun_rx), Range(60));
  std::size_t last_tls = 0;
  std::size_t first_dtls = pair.gateway.tun_rx.size();
  for (std::size_t i = 0; i < pair.gateway.tun_rx.size(); ++i) {
    if (pair.gateway.tun_rx[i].via == Channel::kTls) {
      last_tls = i;
    } else {
      first_dtls = std::min(first_dtls, i);
    }
  }
  EXPECT_GT(last_tls, 0u);
  EXPECT_LT(first_dtls, pair.gateway.tun_rx.size());
  EXPECT_LT(last_tls, first_dtls);

  // The client switched when the last TLS record was acknowledged (delivery + 20 ms), within
  // one drain poll, not when the handshake completed (t+10 ms).
  auto paths = pair.client.StampedOf(Kind::kDataPath);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].event.channel, Channel::kDtls);
  EXPECT_EQ(paths[0].event.path_reason, PathReason::kTlsDrained);
  const Instant acked = pair.gateway.tun_rx[last_tls].at + milliseconds(20);
  EXPECT_GE(paths[0].at, acked);
  EXPECT_LE(paths[0].at, acked + milliseconds(2));
  EXPECT_GT(paths[0].at, pair.At(0.010));
  // The gateway switched at its handshake (t+15 ms, nothing of its own on TLS yet), followed
  // the client back to TLS when its DATA still came over TLS (t+20 ms, §8.7), and moved to
  // DTLS again once the client's DATA came over DTLS (t+54 ms) and its own TLS echoes were
  // acknowledged (the last one sent at t+29 ms, acknowledged at t+69 ms).
  auto gw_paths = pair.gateway.StampedOf(Kind::kDataPath);
  ASSERT_EQ(gw_paths.size(), 3u);
  EXPECT_EQ(gw_paths[0].event.channel, Channel::kDtls);
  EXPECT_EQ(gw_paths[0].at, pair.At(0.015));
  EXPECT_EQ(gw_paths[1].event.channel, Channel::kTls);
  EXPECT_EQ(gw_paths[1].event.path_reason, PathReason::kPeerUsesTls);
  EXPECT_EQ(gw_paths[1].at, pair.At(0.020));
  EXPECT_EQ(gw_paths[2].event.channel, Channel::kDtls);
  EXPECT_EQ(gw_paths[2].event.path_reason, PathReason::kTlsDrained);
  EXPECT_GE(gw_paths[2].at, pair.At(0.069));
  EXPECT_LE(gw_paths[2].at, pair.At(0.071));
  EXPECT_EQ(pair.client.core.data_path(), Channel::kDtls);
  EXPECT_EQ(pair.gateway.tun_rx.back().via, Channel::kDtls);
  EXPECT_EQ(pair.client.tun_rx.back().via, Channel::kDtls);
  // No MTU change: the TUN had the DTLS MTU from the start.
  EXPECT_TRUE(pair.client.EventsOf(Kind::kMtu).empty());
}

TEST(TunnelPairTest, WithoutTheDrainWaitTheSwitchWouldReorder) {
  // The control for the test above: the same traffic with no drain wait is reordered, so the
  // in-order result there is the core's doing, not the harness's.
  TunnelCore::Config client = ClientConfig(true);
  client.switch_drain_limit = Duration(0);
  TunnelPair pair(client, GatewayConfig(true));
  StreamDuringHandshake(pair, 60);
  ASSERT_EQ(pair.gateway.tun_rx.size(), 60u);
  EXPECT_NE(Seqs(pair.gateway.tun_rx), Range(60));
  auto paths = pair.client.EventsOf(Kind::kDataPath);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].path_reason, PathReason::kDrainLimit);
}

TEST(TunnelPairTest, DtlsDpdDeathFallsBackToTlsAndDtlsComesBack) {
  TunnelPair pair(ClientConfig(true), GatewayConfig(true));
  pair.gateway.echo = true;
  std::uint32_t seq = 0;
  auto ping_until = [&](double until_s) {
    while (pair.now() < pair.At(until_s)) {
      pair.client.tun_tx.push_back(Packet('c', seq++));
      pair.RunFor(milliseconds(500));
    }
  };
  ping_until(5);
  ASSERT_EQ(pair.client.core.data_path(), Channel::kDtls);
  ASSERT_EQ(pair.gateway.core.data_path(), Channel::kDtls);

  pair.udp_up.blocked = pair.udp_down.blocked = true;
  ping_until(12);
  // Client (openconnect's rule): dead after 2 x X-DTLS-DPD of silence: the last echo came
  // over DTLS at t+4.510 s, so DTLS is dead at t+8.510 s; data falls back to TLS at once.
  auto dpd = pair.client.StampedOf(Kind::kDpdTimeout);
  ASSERT_EQ(dpd.size(), 1u);
  EXPECT_EQ(dpd[0].event.channel, Channel::kDtls);
  const Instant dead_at = pair.At(4.5) + milliseconds(10) + seconds(4);
  EXPECT_EQ(dpd[0].at, dead_at);
  auto paths = pair.client.StampedOf(Kind::kDataPath);
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[1].event.channel, Channel::kTls);
  EXPECT_EQ(paths[1].event.path_reason, PathReason::kDtlsDpdTimeout);
  EXPECT_EQ(paths[1].at, dead_at);
  // The gateway follows the client's first DATA on TLS (ANYCONNECT §8.7).
  std::vector<Stamped> gw_paths;
  for (const Stamped& s : pair.gateway.StampedOf(Kind::kDataPath)) {
    if (s.at > pair.At(5)) {
      gw_paths.push_back(s);
    }
  }
  ASSERT_EQ(gw_paths.size(), 1u);
  EXPECT_EQ(gw_paths[0].event.channel, Channel::kTls);
  EXPECT_EQ(gw_paths[0].event.path_reason, PathReason::kPeerUsesTls);
  EXPECT_EQ(gw_paths[0].at, pair.At(9.020));  // the ping of t+9 s, one TLS latency later
  // Pings sent on TLS after the fallback are all answered.
  const std::size_t rx_before = pair.client.tun_rx.size();
  // A new attempt started at the death; its ClientHellos follow the 1-2-4-8 s schedule.
  ASSERT_GE(pair.client.client_hellos.size(), 3u);
  const std::size_t first = pair.client.client_hellos.size() - 3;
  EXPECT_EQ(pair.client.client_hellos[first], dead_at);
  EXPECT_EQ(pair.client.client_hellos[first + 1], dead_at + seconds(1));
  EXPECT_EQ(pair.client.client_hellos[first + 2], dead_at + seconds(3));

  pair.udp_up.blocked = pair.udp_down.blocked = false;
  ping_until(20);
  // The retry at death + 7 s (t+15.510) gets through; data moves back to DTLS.
  EXPECT_EQ(pair.client.client_hellos.back(), dead_at + seconds(7));
  paths = pair.client.StampedOf(Kind::kDataPath);
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_EQ(paths[2].event.channel, Channel::kDtls);
  EXPECT_GT(paths[2].at, dead_at + seconds(7));
  EXPECT_LT(paths[2].at, dead_at + seconds(7) + milliseconds(250));
  EXPECT_EQ(pair.gateway.core.data_path(), Channel::kDtls);
  EXPECT_EQ(pair.client.tun_rx.back().via, Channel::kDtls);
  EXPECT_GT(pair.client.tun_rx.size(), rx_before + 10);
  // The gateway's own DTLS DPD (3 x DPD) dropped its dead channel before the new handshake.
  auto gw_dpd = pair.gateway.StampedOf(Kind::kDpdTimeout);
  ASSERT_EQ(gw_dpd.size(), 1u);
  EXPECT_EQ(gw_dpd[0].event.channel, Channel::kDtls);
  // TLS never died.
  EXPECT_FALSE(pair.client.core.closed());
  EXPECT_TRUE(pair.client.EventsOf(Kind::kMtu).empty());
}

TEST(TunnelPairTest, BlockedUdpRetriesThenGivesUpWithTheCstpMtu) {
  TunnelPair pair(ClientConfig(true), GatewayConfig(true));
  pair.udp_up.DropAll();  // the first ClientHello left at t0 into a blocked network
  pair.udp_up.blocked = true;
  pair.gateway.echo = true;
  std::uint32_t sent = 0;
  while (pair.now() < pair.At(110)) {
    pair.client.tun_tx.push_back(Packet('c', sent++));
    pair.RunFor(seconds(1));
  }
  const std::vector<Instant> hellos = {pair.At(0),   pair.At(1),   pair.At(3),
                                       pair.At(7),   pair.At(15),  pair.At(31),
                                       pair.At(107), pair.At(108), pair.At(110)};
  EXPECT_EQ(pair.client.client_hellos, hellos);

  std::vector<Stamped> dtls = pair.client.StampedOf(Kind::kDtls);
  ASSERT_EQ(dtls.size(), 10u);
  EXPECT_EQ(dtls[0].event.dtls_action, DtlsAction::kStartAttempt);
  for (int i = 1; i <= 5; ++i) {
    EXPECT_EQ(dtls[i].event.dtls_action, DtlsAction::kRetransmitted);
    EXPECT_EQ(dtls[i].event.retry, i);
    EXPECT_EQ(dtls[i].event.backoff, seconds(1 << (i - 1)));
    EXPECT_EQ(dtls[i].at, hellos[static_cast<std::size_t>(i)]);
  }
  EXPECT_EQ(dtls[6].event.dtls_action, DtlsAction::kGiveUp);
  EXPECT_EQ(dtls[6].at, pair.At(47));
  EXPECT_EQ(dtls[6].event.since_start, seconds(47));
  EXPECT_EQ(dtls[7].event.dtls_action, DtlsAction::kStartAttempt);
  EXPECT_EQ(dtls[7].at, pair.At(107));
  EXPECT_EQ(dtls[8].event.dtls_action, DtlsAction::kRetransmitted);

  // One MTU change, at the give-up, to X-CSTP-MTU; the new attempt does not touch it.
  auto mtu = pair.client.StampedOf(Kind::kMtu);
  ASSERT_EQ(mtu.size(), 1u);
  EXPECT_EQ(mtu[0].event.mtu, kCstpMtu);
  EXPECT_EQ(mtu[0].at, pair.At(47));
  EXPECT_EQ(pair.client.core.tun_mtu(), kCstpMtu);

  // Data flowed on TLS all along: every ping was answered, none took DTLS.
  EXPECT_EQ(pair.gateway.tun_rx.size(), sent);
  EXPECT_EQ(pair.client.tun_rx.size(), sent);
  EXPECT_EQ(pair.client.dtls_data_sent, 0u);
  EXPECT_TRUE(pair.client.EventsOf(Kind::kDataPath).empty());
  EXPECT_FALSE(pair.client.core.closed());
}

TEST(TunnelPairTest, LossAndReorderingOnUdpDoNotKillDtls) {
  TunnelPair pair(ClientConfig(true), GatewayConfig(true));
  pair.RunFor(milliseconds(200));
  ASSERT_EQ(pair.client.core.data_path(), Channel::kDtls);
  pair.udp_up.drop_every = 5;
  pair.udp_up.reorder = milliseconds(3);
  const std::uint64_t sent_before = pair.udp_up.sent;
  for (std::uint32_t i = 0; i < 100; ++i) {
    pair.client.tun_tx.push_back(Packet('c', i));
    pair.RunFor(milliseconds(1));
  }
  pair.RunFor(milliseconds(100));  // before any DPD: only the data went through the lossy pipe
  EXPECT_EQ(pair.udp_up.sent - sent_before, 100u);
  EXPECT_EQ(pair.udp_up.dropped, 20u);
  EXPECT_EQ(pair.gateway.core.counters().dtls_packets_in, 80u);
  ASSERT_EQ(pair.gateway.tun_rx.size(), 80u);
  EXPECT_EQ(SeqOf(pair.gateway.tun_rx[0].packet), 1u);  // the reordering is visible
  EXPECT_EQ(SeqOf(pair.gateway.tun_rx[1].packet), 0u);
  // DPD requests survive the 20 % loss: the channel lives on.
  pair.RunFor(seconds(10));
  EXPECT_TRUE(pair.client.EventsOf(Kind::kDpdTimeout).empty());
  EXPECT_EQ(pair.client.core.data_path(), Channel::kDtls);
}

TEST(TunnelPairTest, ClientLogoffEndsTheGatewaySession) {
  TunnelPair pair(ClientConfig(false), GatewayConfig(false));
  pair.client.core.Disconnect("Aborted by caller", pair.now());
  pair.RunFor(milliseconds(100));
  auto c = pair.client.EventsOf(Kind::kClosed);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].close_cause, CloseCause::kLocalDisconnect);
  EXPECT_EQ(c[0].close_outcome, CloseOutcome::kStop);
  auto g = pair.gateway.StampedOf(Kind::kClosed);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].event.close_cause, CloseCause::kPeerDisconnect);
  EXPECT_EQ(g[0].event.close_outcome, CloseOutcome::kEndSession);
  EXPECT_EQ(g[0].event.text, "Aborted by caller");
  EXPECT_EQ(g[0].at, pair.At(0.020));
  EXPECT_EQ(pair.client.core.NextDeadline(), Instant::Max());
}

TEST(TunnelPairTest, GatewayDisconnectStopsTheClient) {
  TunnelPair pair(ClientConfig(true), GatewayConfig(true));
  pair.RunFor(milliseconds(200));
  pair.gateway.core.Disconnect("admin", pair.now());
  pair.RunFor(milliseconds(100));
  auto g = pair.gateway.EventsOf(Kind::kClosed);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].close_outcome, CloseOutcome::kKeepSession);
  auto c = pair.client.EventsOf(Kind::kClosed);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].close_cause, CloseCause::kPeerDisconnect);
  EXPECT_EQ(c[0].close_outcome, CloseOutcome::kStop);
}

TEST(TunnelPairTest, DeadTlsMakesTheClientReconnect) {
  TunnelCore::Config client = ClientConfig(false);
  client.tls_dpd = seconds(10);
  client.tls_keepalive = Duration(0);
  TunnelCore::Config gateway = GatewayConfig(false);
  gateway.tls_dpd = seconds(10);
  gateway.tls_keepalive = Duration(0);
  TunnelPair pair(client, gateway);
  pair.tls_up.blocked = pair.tls_down.blocked = true;
  pair.client.tun_tx.push_back(Packet('c', 0));
  pair.RunFor(seconds(40));
  // Client: DPD at 10 s and 15 s, dead at 2 x DPD.
  EXPECT_EQ(pair.tls_up.sent, 3u);  // the packet and two DPD requests
  auto c = pair.client.StampedOf(Kind::kClosed);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].event.close_cause, CloseCause::kTlsDpdTimeout);
  EXPECT_EQ(c[0].event.close_outcome, CloseOutcome::kReconnect);
  EXPECT_EQ(c[0].at, pair.At(20));
  auto dpd = pair.client.EventsOf(Kind::kDpdTimeout);
  ASSERT_EQ(dpd.size(), 1u);
  EXPECT_EQ(dpd[0].channel, Channel::kTls);
  // Gateway (ocserv's rule): dead at 3 x DPD; the session is kept for a reconnect.
  auto g = pair.gateway.StampedOf(Kind::kClosed);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].event.close_cause, CloseCause::kTlsDpdTimeout);
  EXPECT_EQ(g[0].event.close_outcome, CloseOutcome::kKeepSession);
  EXPECT_EQ(g[0].at, pair.At(30));
}

TEST(TunnelPairTest, GatewayIdleTimeoutCountsOnlyData) {
  TunnelCore::Config gateway = GatewayConfig(false);
  gateway.idle_timeout = seconds(30);
  gateway.tls_dpd = seconds(10);
  gateway.tls_keepalive = seconds(5);
  TunnelPair pair(ClientConfig(false), gateway);
  pair.RunUntil(pair.At(10));
  pair.client.tun_tx.push_back(Packet('c', 0));
  pair.RunUntil(pair.At(60));
  // DPD and keepalives flowed meanwhile, but only the DATA at t+10.020 s counts.
  EXPECT_GT(pair.tls_down.sent, 3u);
  const Instant idle_at = pair.t0 + seconds(40) + milliseconds(20);
  auto g = pair.gateway.StampedOf(Kind::kClosed);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].event.close_cause, CloseCause::kIdleTimeout);
  EXPECT_EQ(g[0].event.close_outcome, CloseOutcome::kKeepSession);
  EXPECT_EQ(g[0].at, idle_at);
  // The bare DISCONNECT reaches the client, which does not reconnect.
  auto c = pair.client.StampedOf(Kind::kClosed);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].event.close_cause, CloseCause::kPeerDisconnect);
  EXPECT_EQ(c[0].event.close_outcome, CloseOutcome::kStop);
  EXPECT_EQ(c[0].at, idle_at + milliseconds(20));
}

// ---- source-address validation (issue #11): the gateway writes only packets from the leased
// address to its TUN, whichever channel carries them.

constexpr std::uint32_t kLeased = 0x0A000002;  // 10.0.0.2

TunnelCore::Config FilteringGatewayConfig(bool dtls) {
  TunnelCore::Config c = GatewayConfig(dtls);
  c.source_filter.emplace(kLeased, std::nullopt);
  return c;
}

Bytes From(std::uint32_t source, std::uint32_t seq) {
  Bytes p = Packet('c', seq);
  p[12] = static_cast<std::uint8_t>(source >> 24);
  p[13] = static_cast<std::uint8_t>(source >> 16);
  p[14] = static_cast<std::uint8_t>(source >> 8);
  p[15] = static_cast<std::uint8_t>(source);
  return p;
}

// Sends genuine (even seq) and spoofed (odd seq, from 10.0.0.77) packets alternately.
void SendMixed(TunnelPair& pair, std::uint32_t first, std::uint32_t count) {
  for (std::uint32_t i = first; i < first + count; ++i) {
    pair.client.tun_tx.push_back(From(i % 2 == 0 ? kLeased : 0x0A00004D, i));
    pair.RunFor(milliseconds(1));
  }
  pair.RunFor(milliseconds(100));
}

std::vector<std::uint32_t> Evens(std::uint32_t first, std::uint32_t count) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t i = first; i < first + count; ++i) {
    if (i % 2 == 0) {
      out.push_back(i);
    }
  }
  return out;
}

TEST(TunnelPairTest, GatewayDropsSpoofedSourcesOverTls) {
  TunnelPair pair(ClientConfig(false), FilteringGatewayConfig(false));
  SendMixed(pair, 0, 20);

  EXPECT_EQ(Seqs(pair.gateway.tun_rx), Evens(0, 20));
  EXPECT_EQ(pair.gateway.core.counters().dropped_spoofed, 10u);
  EXPECT_EQ(pair.gateway.core.counters().packets_in, 10u);
  // One report for the first refusal; the other nine wait for the next report.
  auto refused = pair.gateway.EventsOf(Kind::kSourceRefused);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].dropped, 1u);
  EXPECT_EQ(refused[0].text, "IPv4 source 10.0.0.77");
  EXPECT_FALSE(pair.gateway.core.closed());
}

TEST(TunnelPairTest, GatewayDropsSpoofedSourcesOverDtls) {
  TunnelPair pair(ClientConfig(true), FilteringGatewayConfig(true));
  pair.RunFor(milliseconds(500));
  ASSERT_EQ(pair.client.core.data_path(), Channel::kDtls);
  SendMixed(pair, 0, 20);

  EXPECT_EQ(Seqs(pair.gateway.tun_rx), Evens(0, 20));
  for (const auto& d : pair.gateway.tun_rx) {
    EXPECT_EQ(d.via, Channel::kDtls);
  }
  EXPECT_EQ(pair.gateway.core.counters().dropped_spoofed, 10u);
  EXPECT_EQ(pair.gateway.EventsOf(Kind::kSourceRefused).size(), 1u);
  EXPECT_TRUE(pair.gateway.core.dtls_up());
}

TEST(TunnelPairTest, SourceRefusalsAreReportedAtMostOncePerInterval) {
  TunnelPair pair(ClientConfig(false), FilteringGatewayConfig(false));
  SendMixed(pair, 0, 20);  // 10 refused at ~t0: reported 1
  pair.RunUntil(pair.At(30));
  SendMixed(pair, 20, 20);  // 10 more within the minute: not reported yet
  EXPECT_EQ(pair.gateway.EventsOf(Kind::kSourceRefused).size(), 1u);
  pair.RunUntil(pair.At(61));
  SendMixed(pair, 40, 2);  // one more after the minute: reported with the 19 before it
  auto refused = pair.gateway.EventsOf(Kind::kSourceRefused);
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[1].dropped, 20u);
  EXPECT_EQ(pair.gateway.core.counters().dropped_spoofed, 21u);
}

}  // namespace
}  // namespace sekisho::proto::session

namespace sekisho::proto::session {
namespace {

// Path-MTU probing (path_mtu.h) end to end: the gateway core echoes padded DPD requests with
// the same length, and the client's TUN MTU follows what the UDP path carries.
TunnelCore::Config ProbingClient(Duration recheck) {
  TunnelCore::Config c = ClientConfig(true);
  PathMtuProber::Config probe;
  probe.recheck_interval = recheck;
  probe.id_seed = 7;
  c.path_mtu = probe;
  return c;
}

// A stub datagram is tag + DTLS record (1-byte header + payload).
constexpr std::size_t kStubOverhead = 2;

TEST(TunnelPairTest, PathMtuProbeKeepsTheDtlsMtuWhenThePathCarriesIt) {
  TunnelPair pair(ProbingClient(seconds(60)), GatewayConfig(true));
  pair.RunUntil(pair.At(3));
  ASSERT_TRUE(pair.client.core.dtls_up());
  EXPECT_EQ(pair.client.core.tun_mtu(), kDtlsMtu);
  EXPECT_EQ(pair.client.core.path_mtu()->mtu(), kDtlsMtu);
  EXPECT_TRUE(pair.client.EventsOf(Kind::kMtu).empty());  // already at X-DTLS-MTU
}

TEST(TunnelPairTest, PathMtuProbeLowersTheTunMtuToWhatThePathCarries) {
  TunnelPair pair(ProbingClient(seconds(60)), GatewayConfig(true));
  pair.udp_up.max_datagram = kStubOverhead + 1300;
  pair.RunUntil(pair.At(10));
  ASSERT_TRUE(pair.client.core.dtls_up());
  EXPECT_EQ(pair.client.core.tun_mtu(), 1300u);
  auto mtu = pair.client.EventsOf(Kind::kMtu);
  ASSERT_EQ(mtu.size(), 1u);
  EXPECT_EQ(mtu[0].mtu, 1300u);
  EXPECT_NE(mtu[0].text.find("path MTU probe"), std::string::npos);
  // The gateway answered probes with same-size echoes over DTLS; DTLS never died on the way.
  EXPECT_TRUE(pair.client.EventsOf(Kind::kDpdTimeout).empty());
}

TEST(TunnelPairTest, PathMtuRecheckFollowsAPathThatShrinksThenGrows) {
  TunnelPair pair(ProbingClient(seconds(5)), GatewayConfig(true));
  pair.RunUntil(pair.At(3));
  ASSERT_EQ(pair.client.core.tun_mtu(), kDtlsMtu);
  pair.udp_up.max_datagram = kStubOverhead + 1200;
  pair.RunUntil(pair.At(20));
  EXPECT_EQ(pair.client.core.tun_mtu(), 1200u);
  pair.udp_up.max_datagram = 0;
  pair.RunUntil(pair.At(30));
  EXPECT_EQ(pair.client.core.tun_mtu(), kDtlsMtu);
  auto mtu = pair.client.EventsOf(Kind::kMtu);
  ASSERT_EQ(mtu.size(), 2u);
  EXPECT_EQ(mtu[0].mtu, 1200u);
  EXPECT_EQ(mtu[1].mtu, kDtlsMtu);
}

TEST(TunnelPairTest, PathMtuGivesWayToTheCstpMtuWhenDtlsIsGivenUp) {
  TunnelPair pair(ProbingClient(seconds(60)), GatewayConfig(true));
  pair.udp_up.max_datagram = kStubOverhead + 1300;
  pair.RunUntil(pair.At(10));
  ASSERT_EQ(pair.client.core.tun_mtu(), 1300u);
  // UDP dies: DPD timeout, a new attempt that gives up after 47 s: X-CSTP-MTU over TLS.
  pair.udp_up.blocked = pair.udp_down.blocked = true;
  pair.RunUntil(pair.At(70));
  EXPECT_EQ(pair.client.core.tun_mtu(), kCstpMtu);
  EXPECT_EQ(pair.client.core.path_mtu()->state(), PathMtuProber::State::kIdle);
}

TEST(TunnelCoreProbeTest, GatewayEchoesAFullSizeDtlsDpdWithItsLength) {
  TunnelCore::Config config = GatewayConfig(true);
  TunnelCore core(config, Instant::FromNanos(0));
  core.OnDtlsHandshakeStarted(Instant::FromNanos(0));
  core.OnDtlsHandshakeDone(Instant::FromNanos(0));
  Bytes probe(1 + kDtlsMtu, 0);
  probe[0] = 3;  // DPD-REQ
  probe[1] = 0xAB;
  EXPECT_TRUE(core.OnDtlsRecord(probe, Instant::FromNanos(0)).empty());
  std::array<std::uint8_t, cstp::kMaxPayload + 1> out{};
  std::size_t n = core.WriteDtlsRecord(out, Instant::FromNanos(0));
  ASSERT_EQ(n, probe.size());
  EXPECT_EQ(out[0], 4);  // DPD-RESP
  EXPECT_TRUE(std::equal(probe.begin() + 1, probe.end(), out.begin() + 1));
}

}  // namespace
}  // namespace sekisho::proto::session
