#include "proto/dtls/peer_gate.h"

#include <gtest/gtest.h>

namespace sekisho::proto::dtls {
namespace {

using Verdict = DtlsPeerGate::Verdict;

const Instant kT0 = Instant::FromNanos(0) + hours(1);
Instant At(double s) {
  return kT0 + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

UdpPeer V4(std::uint8_t last, std::uint16_t port) {
  UdpPeer peer;
  peer.address = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 198, 18, 0, last};
  peer.port = port;
  return peer;
}

const UdpPeer kClient = V4(2, 40000);
const UdpPeer kForged = V4(77, 40000);

TEST(DtlsPeerGateTest, TheEstablishedPeerMayHandshakeAgainAtAnyRate) {
  DtlsPeerGate gate;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(gate.OnClientHello(At(0.1 * i), kClient, kClient), Verdict::kRehandshake);
  }
  // ... and that uses up no new-address handshake.
  EXPECT_EQ(gate.OnClientHello(At(0.5), kClient, kForged), Verdict::kNewPeer);
}

TEST(DtlsPeerGateTest, ANewAddressIsAnsweredAtMostOncePerInterval) {
  DtlsPeerGate gate;
  int answered = 0;
  // A replay every 200 ms for 10 s: answered at 0, 3, 6 and 9 s.
  for (int i = 0; i < 50; ++i) {
    if (gate.OnClientHello(At(0.2 * i), kClient, kForged) == Verdict::kNewPeer) {
      ++answered;
    }
  }
  EXPECT_EQ(answered, 4);
  EXPECT_EQ(gate.OnClientHello(At(11.9), kClient, kForged), Verdict::kRefuse);
  EXPECT_EQ(gate.OnClientHello(At(12.0), kClient, kForged), Verdict::kNewPeer);
}

TEST(DtlsPeerGateTest, TheLimitIsPerSessionNotPerAddress) {
  DtlsPeerGate gate;
  EXPECT_EQ(gate.OnClientHello(At(0), kClient, kForged), Verdict::kNewPeer);
  // Another forged address (or port) right after is refused too.
  EXPECT_EQ(gate.OnClientHello(At(1), kClient, V4(78, 40000)), Verdict::kRefuse);
  EXPECT_EQ(gate.OnClientHello(At(1), kClient, V4(2, 40001)), Verdict::kRefuse);
  // The established peer is never refused.
  EXPECT_EQ(gate.OnClientHello(At(1), kClient, kClient), Verdict::kRehandshake);
}

TEST(DtlsPeerGateTest, WithoutAnEstablishedChannelEveryAddressIsNew) {
  DtlsPeerGate gate;
  EXPECT_EQ(gate.OnClientHello(At(0), std::nullopt, kClient), Verdict::kNewPeer);
  EXPECT_EQ(gate.OnClientHello(At(2.9), std::nullopt, kForged), Verdict::kRefuse);
  EXPECT_EQ(gate.OnClientHello(At(3), std::nullopt, kClient), Verdict::kNewPeer);
  // Once the handshake completed, kClient is the established peer.
  EXPECT_EQ(gate.OnClientHello(At(3.1), kClient, kClient), Verdict::kRehandshake);
}

}  // namespace
}  // namespace sekisho::proto::dtls
