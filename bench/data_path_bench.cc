// Per-packet costs of the data path without the kernel: CSTP framing, and one TLS record
// encrypted by the gateway's engine and decrypted by the client's, in memory. Run:
//   cmake --preset release && ninja -C build/release sekisho_micro_bench &&
//   build/release/bench/sekisho_micro_bench

#include "proto/cstp/frame.h"
#include "testutil/test_certs.h"
#include "tls/credentials.h"
#include "tls/engine.h"

#include <benchmark/benchmark.h>

#include <array>
#include <memory>

namespace sekisho {
namespace {

void BM_CstpFrameRoundTrip(benchmark::State& state) {
  std::array<std::uint8_t, 1500> frame{};
  const auto payload = static_cast<std::uint16_t>(state.range(0));
  for (auto _ : state) {
    proto::cstp::WriteHeader(frame.data(), proto::cstp::PacketType::kData, payload);
    auto parsed = proto::cstp::ParseRecord(ByteSpan(frame.data(), payload + 8U));
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * payload);
}
BENCHMARK(BM_CstpFrameRoundTrip)->Arg(64)->Arg(1400);

// Moves ciphertext between two engines until neither has anything to send.
void Pump(tls::TlsEngine& a, tls::TlsEngine& b) {
  for (int i = 0; i < 64; ++i) {
    (void)a.Handshake();
    (void)b.Handshake();
    ByteSpan out_a = a.PendingOutgoing();
    ByteSpan out_b = b.PendingOutgoing();
    if (out_a.empty() && out_b.empty()) {
      return;
    }
    b.FeedIncoming(out_a);
    a.ConsumeOutgoing(out_a.size());
    a.FeedIncoming(out_b);
    b.ConsumeOutgoing(out_b.size());
  }
}

void BM_TlsRecordBatch(benchmark::State& state) {
  auto certs = testutil::TestCerts::Create();
  tls::ServerTlsConfig server_config{certs->server().cert, certs->server().key, {}, true, {}};
  tls::ClientTlsConfig client_config;
  client_config.server_name = "gw.sekisho.test";
  client_config.ca_file = certs->ca().cert;
  client_config.use_system_trust = false;
  auto server_creds = tls::ServerCredentials::Load(server_config);
  auto client_creds = tls::ClientCredentials::Load(client_config);
  if (!server_creds || !client_creds) {
    state.SkipWithError("cannot load test credentials");
    return;
  }
  auto server = tls::TlsEngine::CreateServer(*server_creds);
  auto client = tls::TlsEngine::CreateClient(*client_creds, "gw.sekisho.test");
  if (!server || !client) {
    state.SkipWithError("cannot create TLS engines");
    return;
  }
  Pump(**client, **server);
  if (!(*client)->handshake_done() || !(*server)->handshake_done()) {
    state.SkipWithError("handshake did not complete");
    return;
  }
  std::array<std::uint8_t, 1408> frame{};
  proto::cstp::WriteHeader(frame.data(), proto::cstp::PacketType::kData, 1400);
  std::array<std::uint8_t, 16384 + 256> plain{};
  constexpr int kBatch = 64;  // the gateway's TUN batch
  for (auto _ : state) {
    (*server)->Cork();
    for (int i = 0; i < kBatch; ++i) {
      (void)(*server)->WriteRecord(frame);
    }
    (void)(*server)->Uncork();
    ByteSpan wire = (*server)->PendingOutgoing();
    (*client)->FeedIncoming(wire);
    (*server)->ConsumeOutgoing(wire.size());
    for (int i = 0; i < kBatch; ++i) {
      auto n = (*client)->ReadRecord(plain);
      if (!n || *n != frame.size()) {
        state.SkipWithError("a record did not round-trip");
        return;
      }
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * kBatch);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * kBatch * 1400);
}
BENCHMARK(BM_TlsRecordBatch);

}  // namespace
}  // namespace sekisho
