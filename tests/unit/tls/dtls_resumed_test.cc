// Resumed DTLS (Cisco DTLS 0.9, Cisco DTLS 1.2, OC-DTLS1_2-*) engine to engine, with the wire
// layout checked against anyconnect.md Appendix B.2 and §8.3, the owner-driven retransmission
// timer, and the batched datagram path.

#include "tls/engine.h"

#include <gmock/gmock.h>
#include <gnutls/x509.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <new>
#include <string>
#include <vector>

// Counts operator new calls so a test can prove the datagram path does not allocate. GnuTLS
// allocates with malloc and is not counted; only our code and the standard library are.
namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) {
    std::abort();
  }
  return p;
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t /*size*/) noexcept { std::free(p); }

namespace sekisho::tls {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Offsets into a DTLS handshake datagram holding one ClientHello or ServerHello
// (anyconnect.md §8.3): 13-byte record header, 12-byte handshake header, version, random.
constexpr std::size_t kRecordVersionOffset = 1;
constexpr std::size_t kRecordEpochOffset = 3;
constexpr std::size_t kRecordLengthOffset = 11;
constexpr std::size_t kRecordHeaderSize = 13;
constexpr std::size_t kHandshakeTypeOffset = 13;
constexpr std::size_t kHelloVersionOffset = 25;
constexpr std::size_t kSessionIdLengthOffset = 59;
constexpr std::size_t kSessionIdOffset = 60;

struct SuiteCase {
  const char* name;  // AnyConnect name, as in X-DTLS-CipherSuite / X-DTLS12-CipherSuite
  DtlsProtocol protocol;
  const char* kx;
  const char* cipher;
  const char* mac;
  std::uint16_t suite_id;
};

const SuiteCase kSuites[] = {
    {"AES128-SHA", DtlsProtocol::kDtls09, "RSA", "AES-128-CBC", "SHA1", 0x002F},
    {"AES256-SHA", DtlsProtocol::kDtls09, "RSA", "AES-256-CBC", "SHA1", 0x0035},
    {"OC-DTLS1_2-AES128-GCM", DtlsProtocol::kDtls12, "RSA", "AES-128-GCM", "AEAD", 0x009C},
    {"OC-DTLS1_2-AES256-GCM", DtlsProtocol::kDtls12, "RSA", "AES-256-GCM", "AEAD", 0x009D},
    {"AES128-GCM-SHA256", DtlsProtocol::kDtls12, "RSA", "AES-128-GCM", "AEAD", 0x009C},
    {"AES256-GCM-SHA384", DtlsProtocol::kDtls12, "RSA", "AES-256-GCM", "AEAD", 0x009D},
    {"ECDHE-RSA-AES256-GCM-SHA384", DtlsProtocol::kDtls12, "ECDHE-RSA", "AES-256-GCM", "AEAD",
     0xC030},
    {"ECDHE-RSA-AES128-GCM-SHA256", DtlsProtocol::kDtls12, "ECDHE-RSA", "AES-128-GCM", "AEAD",
     0xC02F},
    {"DHE-RSA-AES256-SHA/1.2", DtlsProtocol::kDtls12, "DHE-RSA", "AES-256-CBC", "SHA1", 0x0039},
    {"AES128-SHA/1.2", DtlsProtocol::kDtls12, "RSA", "AES-128-CBC", "SHA1", 0x002F},
    {"DHE-RSA-AES128-SHA/0.9", DtlsProtocol::kDtls09, "DHE-RSA", "AES-128-CBC", "SHA1", 0x0033},
};

Bytes Pattern(std::size_t size, std::uint8_t seed) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = static_cast<std::uint8_t>(seed + i * 7);
  }
  return out;
}

ResumedDtlsParams Params(const SuiteCase& suite, std::uint8_t master_seed = 0x11,
                         std::uint8_t id_seed = 0xC9) {
  ResumedDtlsParams params;
  params.protocol = suite.protocol;
  params.kx = suite.kx;
  params.cipher = suite.cipher;
  params.mac = suite.mac;
  params.master_secret = SecretBytes(Pattern(48, master_seed));
  params.session_id = Pattern(32, id_seed);
  return params;
}

std::vector<Bytes> Drain(TlsEngine& engine) {
  std::vector<Bytes> out;
  while (auto d = engine.FrontDatagram()) {
    out.emplace_back(d->begin(), d->end());
    engine.PopDatagram();
  }
  return out;
}

bool Transfer(TlsEngine& from, TlsEngine& to) {
  bool moved = false;
  for (const Bytes& d : Drain(from)) {
    to.FeedIncoming(d);
    moved = true;
  }
  return moved;
}

struct Outcome {
  Result<bool> client = false;
  Result<bool> server = false;
  bool both_done() const { return client.has_value() && *client && server.has_value() && *server; }
};

Outcome Drive(TlsEngine& client, TlsEngine& server) {
  Outcome outcome;
  for (int round = 0; round < 20; ++round) {
    if (outcome.client.has_value()) {
      outcome.client = client.Handshake();
    }
    bool moved = Transfer(client, server);
    if (outcome.server.has_value()) {
      outcome.server = server.Handshake();
    }
    moved = Transfer(server, client) || moved;
    if (!moved && (outcome.both_done() || !outcome.client.has_value() ||
                   !outcome.server.has_value() || round > 5)) {
      break;
    }
  }
  return outcome;
}

std::vector<std::string> ReadAll(TlsEngine& engine) {
  std::vector<std::string> records;
  std::array<std::uint8_t, kMaxRecordPlaintext + 256> buf{};
  for (;;) {
    auto n = engine.ReadRecord(buf);
    if (!n.has_value() || *n == 0) {
      return records;
    }
    records.emplace_back(reinterpret_cast<const char*>(buf.data()), *n);
  }
}

struct Pair {
  std::unique_ptr<TlsEngine> client;
  std::unique_ptr<TlsEngine> server;
};

Pair MakePair(const ResumedDtlsParams& client_params, const ResumedDtlsParams& server_params) {
  auto client = TlsEngine::CreateDtlsResumedClient(client_params);
  auto server = TlsEngine::CreateDtlsResumedServer(server_params);
  EXPECT_TRUE(client.has_value()) << client.error().ToString();
  EXPECT_TRUE(server.has_value()) << server.error().ToString();
  Pair pair;
  if (client.has_value() && server.has_value()) {
    pair.client = std::move(*client);
    pair.server = std::move(*server);
  }
  return pair;
}

class DtlsResumedSuiteTest : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(DtlsResumedSuiteTest, AbbreviatedHandshakeWithCiscoWireLayout) {
  const SuiteCase& suite = GetParam();
  const bool dtls09 = suite.protocol == DtlsProtocol::kDtls09;
  const std::uint16_t version = dtls09 ? 0x0100 : 0xFEFD;
  const ResumedDtlsParams params = Params(suite);
  Pair pair = MakePair(params, params);
  ASSERT_TRUE(pair.client && pair.server);

  // ClientHello: one datagram, the session id at offset 59, exactly one suite (Appendix B.2).
  ASSERT_FALSE(*pair.client->Handshake());
  std::vector<Bytes> hello = Drain(*pair.client);
  ASSERT_EQ(hello.size(), 1u);
  const Bytes& ch = hello[0];
  ASSERT_GT(ch.size(), kSessionIdOffset + 32 + 5);
  EXPECT_EQ(ch[0], 0x16);
  EXPECT_EQ(LoadU16(ch.data() + kRecordVersionOffset), version);
  EXPECT_EQ(ch[kHandshakeTypeOffset], 0x01);
  EXPECT_EQ(LoadU16(ch.data() + kHelloVersionOffset), version);
  EXPECT_EQ(ch[kSessionIdLengthOffset], 32);
  EXPECT_TRUE(std::equal(params.session_id.begin(), params.session_id.end(),
                         ch.begin() + kSessionIdOffset));
  const std::size_t after_id = kSessionIdOffset + 32;
  EXPECT_EQ(ch[after_id], 0) << "cookie length";
  EXPECT_EQ(LoadU16(ch.data() + after_id + 1), 2) << "exactly one cipher suite";
  EXPECT_EQ(LoadU16(ch.data() + after_id + 3), suite.suite_id);
  // No extended_master_secret (0x0017) extension: it would change the keys.
  const Bytes ems = {0x00, 0x17, 0x00, 0x00};
  EXPECT_EQ(std::search(ch.begin() + static_cast<std::ptrdiff_t>(after_id + 5), ch.end(),
                        ems.begin(), ems.end()),
            ch.end());

  // Server flight: ServerHello echoing the id, ChangeCipherSpec, Finished (epoch 1).
  pair.server->FeedIncoming(ch);
  ASSERT_FALSE(*pair.server->Handshake());
  std::vector<Bytes> flight = Drain(*pair.server);
  // One record per datagram, each sent once, like ocserv: ServerHello, CCS, Finished.
  ASSERT_EQ(flight.size(), 3u);
  const Bytes& sh = flight[0];
  ASSERT_GT(sh.size(), kSessionIdOffset + 32 + 2);
  EXPECT_EQ(sh[0], 0x16);
  EXPECT_EQ(LoadU16(sh.data() + kRecordVersionOffset), version);
  EXPECT_EQ(sh[kHandshakeTypeOffset], 0x02);
  EXPECT_EQ(LoadU16(sh.data() + kHelloVersionOffset), version);
  EXPECT_EQ(sh[kSessionIdLengthOffset], 32);
  EXPECT_TRUE(std::equal(params.session_id.begin(), params.session_id.end(),
                         sh.begin() + kSessionIdOffset));
  EXPECT_EQ(LoadU16(sh.data() + after_id), suite.suite_id);

  // Find the ChangeCipherSpec record (GnuTLS sends one record per datagram, like ocserv).
  bool saw_ccs = false;
  for (const Bytes& d : flight) {
    if (d.size() >= kRecordHeaderSize && d[0] == 0x14) {
      saw_ccs = true;
      EXPECT_EQ(LoadU16(d.data() + kRecordVersionOffset), version);
      if (dtls09) {
        // Cisco's 3-byte body: 0x01 + message_seq (01 00 01 in B.2).
        ASSERT_EQ(LoadU16(d.data() + kRecordLengthOffset), 3);
        EXPECT_EQ(d[kRecordHeaderSize], 0x01);
        EXPECT_EQ(LoadU16(d.data() + kRecordHeaderSize + 1), 1);
      } else {
        ASSERT_EQ(LoadU16(d.data() + kRecordLengthOffset), 1);
        EXPECT_EQ(d[kRecordHeaderSize], 0x01);
      }
    }
  }
  EXPECT_TRUE(saw_ccs);
  for (const Bytes& d : flight) {
    pair.client->FeedIncoming(d);
  }
  Outcome outcome = Drive(*pair.client, *pair.server);
  ASSERT_TRUE(outcome.client.has_value()) << outcome.client.error().ToString();
  ASSERT_TRUE(outcome.server.has_value()) << outcome.server.error().ToString();
  ASSERT_TRUE(outcome.both_done());
  EXPECT_TRUE(pair.client->resumed());
  EXPECT_TRUE(pair.server->resumed());
  EXPECT_THAT(pair.client->CipherDescription(), StartsWith(dtls09 ? "(DTLS0.9)" : "(DTLS1.2)"));
  EXPECT_THAT(pair.client->CipherDescription(), HasSubstr(suite.cipher));
  EXPECT_EQ(pair.client->CipherDescription(), pair.server->CipherDescription());
  EXPECT_FALSE(pair.client->NextDeadline(Instant::FromNanos(1)).has_value());

  // Application data both ways, one record per datagram, with the AnyConnect 1-byte header.
  const std::vector<std::string> up = {std::string("\x00", 1) + std::string(1300, 'u'),
                                       std::string("\x03\x01\x02\x03\x04", 5), "\x07"};
  for (const auto& s : up) {
    ASSERT_TRUE(pair.client->WriteRecord(AsBytes(s)).has_value());
  }
  std::vector<Bytes> data = Drain(*pair.client);
  ASSERT_EQ(data.size(), up.size());
  for (const Bytes& d : data) {
    EXPECT_EQ(d[0], 0x17);
    EXPECT_EQ(LoadU16(d.data() + kRecordVersionOffset), version);
    EXPECT_EQ(LoadU16(d.data() + kRecordEpochOffset), 1);
    pair.server->FeedIncoming(d);
  }
  EXPECT_EQ(ReadAll(*pair.server), up);
  const std::vector<std::string> down = {std::string("\x04", 1), std::string(1000, 'd')};
  for (const auto& s : down) {
    ASSERT_TRUE(pair.server->WriteRecord(AsBytes(s)).has_value());
  }
  Transfer(*pair.server, *pair.client);
  EXPECT_EQ(ReadAll(*pair.client), down);
}

TEST_P(DtlsResumedSuiteTest, WrongMasterSecretNeverEstablishes) {
  const SuiteCase& suite = GetParam();
  for (bool wrong_on_server : {true, false}) {
    SCOPED_TRACE(wrong_on_server ? "server wrong" : "client wrong");
    ResumedDtlsParams good = Params(suite);
    ResumedDtlsParams bad = Params(suite, /*master_seed=*/0x12);
    Pair pair = wrong_on_server ? MakePair(good, bad) : MakePair(bad, good);
    ASSERT_TRUE(pair.client && pair.server);
    Outcome outcome = Drive(*pair.client, *pair.server);
    EXPECT_FALSE(outcome.client.has_value() && *outcome.client);
    EXPECT_FALSE(outcome.server.has_value() && *outcome.server);
    // GnuTLS drops the undecryptable Finished like any forged datagram, so nothing fails
    // outright: both sides keep retransmitting until the owner's timer gives up.
    Instant now = Instant::FromNanos(1'000'000'000);
    const Instant start = now;
    Result<void> timer = Ok();
    for (int i = 0; i < 100 && timer.has_value() && outcome.client.has_value(); ++i) {
      auto deadline = pair.client->NextDeadline(now);
      ASSERT_TRUE(deadline.has_value());
      now = *deadline;
      timer = pair.client->OnTimer(now);
      Transfer(*pair.client, *pair.server);
      auto server = pair.server->Handshake();
      EXPECT_FALSE(server.has_value() && *server);
      Transfer(*pair.server, *pair.client);
      outcome.client = pair.client->Handshake();
      ASSERT_FALSE(outcome.client.has_value() && *outcome.client);
    }
    ASSERT_FALSE(timer.has_value());
    EXPECT_EQ(timer.error().code, Errc::kTimeout);
    EXPECT_EQ(now - start, seconds(60));
    EXPECT_FALSE(pair.client->handshake_done());
    EXPECT_FALSE(pair.server->handshake_done());
  }
}

std::string SuiteTestName(const ::testing::TestParamInfo<SuiteCase>& info) {
  std::string name = info.param.name;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      c = '_';
    }
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Suites, DtlsResumedSuiteTest, ::testing::ValuesIn(kSuites), SuiteTestName);

const SuiteCase& Aes128Sha() { return kSuites[0]; }
const SuiteCase& Aes256GcmDtls12() { return kSuites[5]; }

TEST(DtlsResumedTest, DifferentSessionIdIsNotResumed) {
  Pair pair = MakePair(Params(Aes256GcmDtls12()), Params(Aes256GcmDtls12(), 0x11, /*id=*/0x01));
  ASSERT_TRUE(pair.client && pair.server);
  Outcome outcome = Drive(*pair.client, *pair.server);
  EXPECT_FALSE(outcome.client.has_value() && *outcome.client);
  EXPECT_FALSE(outcome.server.has_value() && *outcome.server);
}

// Writes a self-signed RSA certificate and key (the shared test certificates are ECDSA, which
// cannot serve the RSA-kx suites of resumed DTLS).
bool WriteRsaServer(const std::string& cert_path, const std::string& key_path) {
  gnutls_x509_privkey_t key = nullptr;
  gnutls_x509_crt_t crt = nullptr;
  bool ok = gnutls_x509_privkey_init(&key) >= 0 && gnutls_x509_crt_init(&crt) >= 0 &&
            gnutls_x509_privkey_generate(key, GNUTLS_PK_RSA, 2048, 0) >= 0 &&
            gnutls_x509_crt_set_key(crt, key) >= 0 && gnutls_x509_crt_set_version(crt, 3) >= 0;
  const unsigned char serial[] = {0x01};
  const char cn[] = "impostor";
  ok =
      ok && gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) >= 0 &&
      gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, sizeof(cn) - 1) >= 0 &&
      gnutls_x509_crt_set_activation_time(crt, std::time(nullptr) - 3600) >= 0 &&
      gnutls_x509_crt_set_expiration_time(crt, std::time(nullptr) + 3600) >= 0 &&
      gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) >= 0;
  gnutls_datum_t cert_pem{nullptr, 0};
  gnutls_datum_t key_pem{nullptr, 0};
  ok = ok && gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cert_pem) >= 0 &&
       gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &key_pem) >= 0;
  if (ok) {
    std::ofstream(cert_path) << std::string_view(reinterpret_cast<char*>(cert_pem.data),
                                                 cert_pem.size);
    std::ofstream(key_path) << std::string_view(reinterpret_cast<char*>(key_pem.data),
                                                key_pem.size);
  }
  gnutls_free(cert_pem.data);
  gnutls_free(key_pem.data);
  gnutls_x509_crt_deinit(crt);
  gnutls_x509_privkey_deinit(key);
  return ok;
}

TEST(DtlsResumedTest, ClientRefusesFullHandshake) {
  // A certificate DTLS server (an impostor that cannot resume) answers with a full handshake.
  const std::string cert = ::testing::TempDir() + "dtls_impostor.crt";
  const std::string key = ::testing::TempDir() + "dtls_impostor.key";
  ASSERT_TRUE(WriteRsaServer(cert, key));
  ServerTlsConfig config{cert, key, {}, true, {}, {}, {}};
  auto creds = ServerCredentials::Load(config);
  std::remove(cert.c_str());  // loaded: the files are no longer needed
  std::remove(key.c_str());
  ASSERT_TRUE(creds.has_value()) << creds.error().ToString();
  EngineOptions options;
  options.datagram = true;
  for (const SuiteCase& suite : {kSuites[9], Aes256GcmDtls12(), kSuites[6]}) {
    SCOPED_TRACE(suite.name);
    auto server = TlsEngine::CreateServer(*creds, options);
    auto client = TlsEngine::CreateDtlsResumedClient(Params(suite));
    ASSERT_TRUE(server.has_value() && client.has_value());
    Outcome outcome = Drive(**client, **server);
    ASSERT_FALSE(outcome.client.has_value());
    EXPECT_EQ(outcome.client.error().code, Errc::kProtocol);
    EXPECT_THAT(outcome.client.error().context, HasSubstr("not resumed"));
    EXPECT_FALSE((*client)->handshake_done());
  }
}

TEST(DtlsResumedTest, RejectsBadParameters) {
  ResumedDtlsParams params = Params(Aes128Sha());
  params.master_secret = SecretBytes(Bytes(47));
  EXPECT_EQ(TlsEngine::CreateDtlsResumedClient(params).error().code, Errc::kInvalidArgument);
  params = Params(Aes128Sha());
  params.session_id = Bytes(33);
  EXPECT_EQ(TlsEngine::CreateDtlsResumedServer(params).error().code, Errc::kInvalidArgument);
  params.session_id.clear();
  EXPECT_EQ(TlsEngine::CreateDtlsResumedServer(params).error().code, Errc::kInvalidArgument);
  params = Params(Aes128Sha());
  params.cipher = "AES-128-CBC:+ARCFOUR-128";
  EXPECT_EQ(TlsEngine::CreateDtlsResumedClient(params).error().code, Errc::kInvalidArgument);
  params.cipher = "NO-SUCH-CIPHER";
  EXPECT_EQ(TlsEngine::CreateDtlsResumedClient(params).error().code, Errc::kInvalidArgument);
  // GCM does not exist in DTLS 0.9.
  params = Params(Aes256GcmDtls12());
  params.protocol = DtlsProtocol::kDtls09;
  EXPECT_EQ(TlsEngine::CreateDtlsResumedClient(params).error().code, Errc::kInvalidArgument);
}

TEST(DtlsResumedTest, TripleDesIsEitherUsableOrCleanlyUnsupported) {
  const SuiteCase des{"DES-CBC3-SHA", DtlsProtocol::kDtls09, "RSA", "3DES-CBC", "SHA1", 0x000A};
  auto client = TlsEngine::CreateDtlsResumedClient(Params(des));
  auto server = TlsEngine::CreateDtlsResumedServer(Params(des));
  if (!client.has_value() || !server.has_value()) {
    const Error& error = client.has_value() ? server.error() : client.error();
    EXPECT_TRUE(error.code == Errc::kUnsupported || error.code == Errc::kInvalidArgument)
        << error.ToString();
    GTEST_SKIP() << "3DES refused by this GnuTLS: " << error.ToString();
  }
  Outcome outcome = Drive(**client, **server);
  ASSERT_TRUE(outcome.client.has_value()) << outcome.client.error().ToString();
  EXPECT_TRUE(outcome.both_done());
  EXPECT_TRUE((*client)->resumed());
}

// Retransmission runs on the owner's clock: nothing real-time is involved.
TEST(DtlsResumedTest, LostClientHelloIsRetransmittedOnTheOwnersTimer) {
  Pair pair = MakePair(Params(Aes128Sha()), Params(Aes128Sha()));
  ASSERT_TRUE(pair.client && pair.server);
  Instant now = Instant::FromNanos(7'000'000'000);
  EXPECT_FALSE(pair.client->NextDeadline(now).has_value());
  ASSERT_FALSE(*pair.client->Handshake());
  std::vector<Bytes> first = Drain(*pair.client);  // Lost.
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(pair.client->NextDeadline(now), now + seconds(1));

  // Calling Handshake without input, or OnTimer early, sends nothing.
  ASSERT_FALSE(*pair.client->Handshake());
  ASSERT_TRUE(pair.client->OnTimer(now + milliseconds(999)).has_value());
  EXPECT_FALSE(pair.client->FrontDatagram().has_value());

  now += seconds(1);
  ASSERT_TRUE(pair.client->OnTimer(now).has_value());
  std::vector<Bytes> second = Drain(*pair.client);
  ASSERT_EQ(second.size(), 1u);
  // Same ClientHello (same random, id and message_seq), next record sequence number.
  EXPECT_EQ(Bytes(second[0].begin() + kHandshakeTypeOffset, second[0].end()),
            Bytes(first[0].begin() + kHandshakeTypeOffset, first[0].end()));
  EXPECT_EQ(second[0][kSessionIdLengthOffset], 32);
  // Back-off: the next retransmission waits twice as long.
  EXPECT_EQ(pair.client->NextDeadline(now), now + seconds(2));

  pair.server->FeedIncoming(second[0]);
  ASSERT_FALSE(*pair.server->Handshake());
  Transfer(*pair.server, *pair.client);
  ASSERT_TRUE(*pair.client->Handshake());
  Transfer(*pair.client, *pair.server);
  ASSERT_TRUE(*pair.server->Handshake());
  EXPECT_TRUE(pair.client->resumed());
}

TEST(DtlsResumedTest, LostClientFinishedIsRecoveredByServerRetransmission) {
  Pair pair = MakePair(Params(Aes256GcmDtls12()), Params(Aes256GcmDtls12()));
  ASSERT_TRUE(pair.client && pair.server);
  Instant now = Instant::FromNanos(1'000'000'000);
  ASSERT_FALSE(*pair.client->Handshake());
  Transfer(*pair.client, *pair.server);
  ASSERT_FALSE(*pair.server->Handshake());
  ASSERT_TRUE(pair.server->NextDeadline(now).has_value());
  Transfer(*pair.server, *pair.client);
  ASSERT_TRUE(*pair.client->Handshake());
  Drain(*pair.client);  // The client's CCS + Finished are lost.

  now += seconds(1);
  ASSERT_TRUE(pair.server->OnTimer(now).has_value());
  ASSERT_TRUE(pair.server->FrontDatagram().has_value()) << "server retransmits its flight";
  Transfer(*pair.server, *pair.client);
  // The client sees the repeated flight while reading and resends its last flight.
  EXPECT_TRUE(ReadAll(*pair.client).empty());
  Transfer(*pair.client, *pair.server);
  ASSERT_TRUE(*pair.server->Handshake());
  ASSERT_TRUE(pair.client->WriteRecord(AsBytes("\x07")).has_value());
  Transfer(*pair.client, *pair.server);
  EXPECT_EQ(ReadAll(*pair.server), (std::vector<std::string>{"\x07"}));
}

TEST(DtlsResumedTest, HandshakeGivesUpAfterSixtySeconds) {
  auto client = TlsEngine::CreateDtlsResumedClient(Params(Aes128Sha()));
  ASSERT_TRUE(client.has_value());
  Instant now = Instant::FromNanos(1'000'000'000);
  const Instant start = now;
  ASSERT_FALSE(*(*client)->Handshake());
  int sent = 0;
  Result<void> timer = Ok();
  while (timer.has_value()) {
    sent += static_cast<int>(Drain(**client).size());
    auto deadline = (*client)->NextDeadline(now);
    ASSERT_TRUE(deadline.has_value());
    now = *deadline;
    timer = (*client)->OnTimer(now);
  }
  EXPECT_EQ(timer.error().code, Errc::kTimeout);
  EXPECT_EQ(now - start, seconds(60));
  EXPECT_EQ(sent, 6);  // 0, 1, 3, 7, 15, 31 s; the next would be at 63 s.
  EXPECT_FALSE((*client)->NextDeadline(now).has_value());
}

// The owner-driven timer also serves the full handshakes (PSK-NEGOTIATE), where the server's
// first flight is not its last.
TEST(DtlsTimerTest, PskHandshakeSendsEachFlightOnceAndRetransmitsOnTimer) {
  const SecretBytes psk(Bytes(32, 0x33));
  const Bytes app_id = Pattern(32, 0xA0);
  auto client = TlsEngine::CreateDtlsPskClient(psk, app_id);
  auto server = TlsEngine::CreateDtlsPskServer(psk);
  ASSERT_TRUE(client.has_value() && server.has_value());
  TlsEngine& c = **client;
  TlsEngine& s = **server;
  Instant now = Instant::FromNanos(1'000'000'000);

  ASSERT_FALSE(*c.Handshake());
  ASSERT_EQ(c.queued_datagrams(), 1u);  // ClientHello
  Transfer(c, s);
  ASSERT_FALSE(*s.Handshake());
  std::vector<Bytes> server_hello = Drain(s);  // ServerHello, ServerHelloDone: lost.
  ASSERT_EQ(server_hello.size(), 2u);
  ASSERT_EQ(s.NextDeadline(now), now + seconds(1));
  ASSERT_FALSE(*s.Handshake());
  EXPECT_EQ(s.queued_datagrams(), 0u);
  now += seconds(1);
  ASSERT_TRUE(s.OnTimer(now).has_value());
  ASSERT_EQ(s.queued_datagrams(), 2u) << "the server resends its flight once";
  Transfer(s, c);
  ASSERT_FALSE(*c.Handshake());
  EXPECT_EQ(c.queued_datagrams(), 3u);  // ClientKeyExchange, ChangeCipherSpec, Finished
  Transfer(c, s);
  ASSERT_TRUE(*s.Handshake());
  EXPECT_EQ(s.queued_datagrams(), 2u);  // ChangeCipherSpec, Finished
  Transfer(s, c);
  ASSERT_TRUE(*c.Handshake());
  EXPECT_FALSE(c.resumed());
  EXPECT_FALSE(c.NextDeadline(now).has_value());
  EXPECT_FALSE(s.NextDeadline(now).has_value());
}

class DtlsDataPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = MakePair(Params(Aes256GcmDtls12()), Params(Aes256GcmDtls12()));
    ASSERT_TRUE(pair_.client && pair_.server);
    ASSERT_TRUE(Drive(*pair_.client, *pair_.server).both_done());
  }
  Pair pair_;
};

TEST_F(DtlsDataPathTest, BatchWriteAndPeekForSendmmsg) {
  std::vector<std::string> packets;
  std::vector<ByteSpan> spans;
  for (int i = 0; i < 5; ++i) {
    packets.push_back(std::string(1, '\0') + std::string(100 + i, static_cast<char>('a' + i)));
  }
  for (const auto& p : packets) {
    spans.push_back(AsBytes(p));
  }
  std::size_t written = 0;
  ASSERT_TRUE(pair_.client->WriteRecords(spans, &written).has_value());
  EXPECT_EQ(written, 5u);
  EXPECT_EQ(pair_.client->queued_datagrams(), 5u);

  std::array<ByteSpan, 3> batch{};
  ASSERT_EQ(pair_.client->PeekDatagrams(batch), 3u);
  for (ByteSpan d : batch) {
    pair_.server->FeedIncoming(d);
  }
  pair_.client->PopDatagrams(3);
  std::array<ByteSpan, 8> rest{};
  ASSERT_EQ(pair_.client->PeekDatagrams(rest), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    pair_.server->FeedIncoming(rest[i]);
  }
  pair_.client->PopDatagrams(100);
  EXPECT_EQ(pair_.client->queued_datagrams(), 0u);
  EXPECT_EQ(ReadAll(*pair_.server), packets);

  pair_.client->Cork();
  ASSERT_TRUE(pair_.client->WriteRecord(AsBytes("x")).has_value());
  EXPECT_EQ(pair_.client->PeekDatagrams(rest), 0u);
  ASSERT_TRUE(pair_.client->Uncork().has_value());
  EXPECT_EQ(pair_.client->PeekDatagrams(rest), 1u);
}

TEST_F(DtlsDataPathTest, BatchWriteStopsAtTooLargeRecord) {
  const Bytes small(10, 1);
  const Bytes big(4000, 2);
  const std::vector<ByteSpan> spans = {small, big, small};
  std::size_t written = 99;
  auto result = pair_.client->WriteRecords(spans, &written);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, Errc::kTooLarge);
  EXPECT_EQ(written, 1u);
  EXPECT_EQ(pair_.client->queued_datagrams(), 1u);
}

TEST_F(DtlsDataPathTest, SteadyStateDatagramPathDoesNotAllocate) {
  const Bytes packet = Pattern(1300, 3);
  const std::vector<ByteSpan> spans(8, ByteSpan(packet));
  std::array<ByteSpan, 16> out{};
  std::array<std::uint8_t, kMaxRecordPlaintext> buf{};
  auto round = [&] {
    std::size_t written = 0;
    ASSERT_TRUE(pair_.client->WriteRecords(spans, &written).has_value());
    const std::size_t n = pair_.client->PeekDatagrams(out);
    ASSERT_EQ(n, spans.size());
    for (std::size_t i = 0; i < n; ++i) {
      pair_.server->FeedIncoming(out[i]);
    }
    pair_.client->PopDatagrams(n);
    for (std::size_t i = 0; i < n; ++i) {
      auto got = pair_.server->ReadRecord(buf);
      ASSERT_TRUE(got.has_value());
      ASSERT_EQ(*got, packet.size());
    }
  };
  for (int i = 0; i < 20; ++i) {
    round();  // Warm-up: rings and slots reach their high-water mark.
  }
  const long before = g_allocations.load();
  for (int i = 0; i < 200; ++i) {
    round();
  }
  EXPECT_EQ(g_allocations.load() - before, 0);
}

}  // namespace
}  // namespace sekisho::tls
