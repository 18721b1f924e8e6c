#include "stream/tls_socket.h"

#include "testutil/test_certs.h"
#include "tls/credentials.h"
#include "tls/engine.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace sekisho::stream {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// One end of the loopback connection: the socket, its engine and the TlsSocket over both.
struct End {
  explicit End(asio::io_context& context) : socket(context) {}
  tcp::socket socket;
  std::unique_ptr<tls::TlsEngine> engine;
  std::unique_ptr<TlsSocket> io;
  std::vector<std::string> records;  // plaintext records received
  bool tls_closed = false;           // close_notify received

  // Decrypts every complete record the engine holds.
  void Drain() {
    std::array<std::uint8_t, tls::kMaxRecordPlaintext + 256> buffer{};
    while (true) {
      Result<std::size_t> n = engine->ReadRecord(buffer);
      if (!n) {
        tls_closed = n.error().code == Errc::kClosed;
        return;
      }
      if (*n == 0) {
        return;
      }
      records.emplace_back(reinterpret_cast<const char*>(buffer.data()), *n);
    }
  }
};

class TlsSocketTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certs_ = testutil::TestCerts::Create().release(); }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }

  void SetUp() override {
    // A real TCP pair over loopback, both ends nonblocking.
    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    client_.socket.connect(acceptor.local_endpoint());
    acceptor.accept(server_.socket);
    client_.socket.non_blocking(true);
    server_.socket.non_blocking(true);

    auto server_creds = tls::ServerCredentials::Load(
        tls::ServerTlsConfig{certs_->server().cert, certs_->server().key, {}, true, {}, {}, {}});
    ASSERT_TRUE(server_creds.has_value()) << server_creds.error().ToString();
    tls::ClientTlsConfig client_config;
    client_config.server_name = "gw.sekisho.test";
    client_config.ca_file = certs_->ca().cert;
    client_config.use_system_trust = false;
    auto client_creds = tls::ClientCredentials::Load(client_config);
    ASSERT_TRUE(client_creds.has_value()) << client_creds.error().ToString();
    auto server_engine = tls::TlsEngine::CreateServer(*server_creds);
    auto client_engine = tls::TlsEngine::CreateClient(*client_creds);
    ASSERT_TRUE(server_engine.has_value() && client_engine.has_value());
    server_.engine = std::move(*server_engine);
    client_.engine = std::move(*client_engine);
    server_.io = std::make_unique<TlsSocket>(server_.socket, *server_.engine);
    client_.io = std::make_unique<TlsSocket>(client_.socket, *client_.engine);
    Handshake();
  }

  // Runs both handshakes over the sockets.
  void Handshake() {
    for (int i = 0; i < 200; ++i) {
      Result<bool> client_done = client_.engine->Handshake();
      Result<bool> server_done = server_.engine->Handshake();
      ASSERT_TRUE(client_done.has_value()) << client_done.error().ToString();
      ASSERT_TRUE(server_done.has_value()) << server_done.error().ToString();
      if (*client_done && *server_done) {
        return;
      }
      ASSERT_TRUE(client_.io->Flush([] {}).has_value());
      ASSERT_TRUE(server_.io->Flush([] {}).has_value());
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      ASSERT_TRUE(client_.io->ReadAvailable([] { return true; }).has_value());
      ASSERT_TRUE(server_.io->ReadAvailable([] { return true; }).has_value());
    }
    FAIL() << "handshake did not finish";
  }

  // Waits (at most 5 s) for `end` to become readable, then reads and decrypts what it holds.
  Result<std::size_t> ReadWhenReadable(End& end) {
    bool readable = false;
    end.io->WaitReadable([&readable] { readable = true; });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!readable && std::chrono::steady_clock::now() < deadline) {
      RunFor(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(readable);
    return end.io->ReadAvailable([&end] {
      end.Drain();
      return true;
    });
  }

  // Runs at most one handler. An io_context that ran out of work stops: restart it first.
  void RunFor(std::chrono::milliseconds timeout) {
    io_.restart();
    io_.run_one_for(timeout);
  }

  static testutil::TestCerts* certs_;
  asio::io_context io_;
  End client_{io_};
  End server_{io_};
};

testutil::TestCerts* TlsSocketTest::certs_ = nullptr;

TEST_F(TlsSocketTest, BytesFlowBothWays) {
  ASSERT_TRUE(client_.engine->WriteRecord(AsBytes("to the gateway")).has_value());
  Result<bool> blocked = client_.io->Flush([] {});
  ASSERT_TRUE(blocked.has_value());
  EXPECT_FALSE(*blocked);
  Result<std::size_t> read = ReadWhenReadable(server_);
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  EXPECT_GT(*read, 0u);
  EXPECT_EQ(server_.records, std::vector<std::string>{"to the gateway"});

  ASSERT_TRUE(server_.engine->WriteRecord(AsBytes("to the client")).has_value());
  blocked = server_.io->Flush([] {});
  ASSERT_TRUE(blocked.has_value());
  EXPECT_FALSE(*blocked);
  read = ReadWhenReadable(client_);
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  EXPECT_EQ(client_.records, std::vector<std::string>{"to the client"});
}

TEST_F(TlsSocketTest, FullSendBufferBlocksAndResumes) {
  client_.socket.set_option(asio::socket_base::send_buffer_size(65536));
  server_.socket.set_option(asio::socket_base::receive_buffer_size(65536));
  // Far more than the two kernel buffers hold while the server does not read.
  constexpr int kRecords = 64;  // 1 MiB
  const std::string payload(16000, 'x');
  for (int i = 0; i < kRecords; ++i) {
    std::string record = std::to_string(i) + ":" + payload;
    ASSERT_TRUE(client_.engine->WriteRecord(AsBytes(record)).has_value());
  }
  int resumed = 0;
  Result<bool> blocked = client_.io->Flush([&resumed] { ++resumed; });
  ASSERT_TRUE(blocked.has_value());
  ASSERT_TRUE(*blocked);
  EXPECT_TRUE(client_.io->blocked());
  EXPECT_GT(client_.io->Backlog(), client_.engine->PendingOutgoing().size());
  // What an unread peer costs us (the gateway's output bound) and what the kernel took.
  EXPECT_EQ(client_.io->unsent(), client_.engine->PendingOutgoing().size());
  EXPECT_GT(client_.io->unsent(), 0u);
  const std::uint64_t sent_while_blocked = client_.io->bytes_sent();
  EXPECT_GT(sent_while_blocked, 0u);
  // While blocked nothing is written: the armed wait resumes it.
  const std::size_t pending = client_.engine->PendingOutgoing().size();
  blocked = client_.io->Flush([&resumed] { resumed += 100; });
  ASSERT_TRUE(blocked.has_value());
  EXPECT_TRUE(*blocked);
  EXPECT_EQ(client_.engine->PendingOutgoing().size(), pending);

  // The server reads; each time the socket takes more the client flushes again.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int waits = 1;
  while (server_.records.size() < kRecords && std::chrono::steady_clock::now() < deadline) {
    Result<std::size_t> read = server_.io->ReadAvailable([this] {
      server_.Drain();
      return true;
    });
    ASSERT_TRUE(read.has_value()) << read.error().ToString();
    io_.restart();
    io_.poll();
    if (!client_.io->blocked() && !client_.engine->PendingOutgoing().empty()) {
      blocked = client_.io->Flush([&resumed] { ++resumed; });
      ASSERT_TRUE(blocked.has_value());
      waits += *blocked ? 1 : 0;
    }
    if (*read == 0) {
      RunFor(std::chrono::milliseconds(10));
    }
  }
  EXPECT_EQ(resumed, waits);  // every blocked Flush armed one wait, and each one fired
  EXPECT_GE(resumed, 1);
  EXPECT_FALSE(client_.io->blocked());
  EXPECT_EQ(client_.io->unsent(), 0u);
  EXPECT_EQ(client_.io->bytes_sent(), sent_while_blocked + pending);
  ASSERT_EQ(server_.records.size(), static_cast<std::size_t>(kRecords));
  for (int i = 0; i < kRecords; ++i) {
    EXPECT_EQ(server_.records[i], std::to_string(i) + ":" + payload);
  }
}

TEST_F(TlsSocketTest, ReportsEofAndPeerCloseNotify) {
  server_.engine->Close();
  ASSERT_TRUE(server_.io->Flush([] {}).has_value());
  server_.socket.shutdown(tcp::socket::shutdown_send);
  // The close_notify arrives first (a short read), the EOF on a later wake-up.
  Result<std::size_t> read = std::size_t{0};
  for (int i = 0; i < 10 && read.has_value(); ++i) {
    read = ReadWhenReadable(client_);
  }
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, Errc::kClosed);
  EXPECT_TRUE(client_.tls_closed);  // the close_notify before the EOF reached the engine
}

TEST_F(TlsSocketTest, DestroyedSocketIgnoresLateHandlers) {
  bool called = false;
  client_.io->WaitReadable([&called] { called = true; });
  client_.io.reset();
  ASSERT_TRUE(server_.engine->WriteRecord(AsBytes("late")).has_value());
  ASSERT_TRUE(server_.io->Flush([] {}).has_value());
  RunFor(std::chrono::milliseconds(50));
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace sekisho::stream
