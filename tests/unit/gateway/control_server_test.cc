// ControlServer + sekishoctl end to end over a temporary Unix socket, plus the pure pieces
// (request dispatch, output formatting).
#include "gateway/control_server.h"

#include "ctl/app.h"
#include "ctl/client.h"
#include "ctl/format.h"
#include "proto/ctl/codec.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

namespace sekisho::gateway {
namespace {

namespace pc = proto::ctl;

class FakeHandler final : public ControlHandler {
 public:
  pc::StatusInfo Status() override {
    pc::StatusInfo s;
    s.server_version = "sekisho 0.1.0";
    s.uptime_s = 3725;
    s.sessions_active = static_cast<std::uint64_t>(sessions_.size());
    s.bytes_in = 2048;
    s.bytes_out = 5 * 1024 * 1024;
    s.pools = {{"staff", "10.0.0.0/24", 1, 253}};
    return s;
  }
  std::vector<pc::SessionInfo> Sessions() override { return sessions_; }
  bool Disconnect(std::uint64_t id) override {
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->id == id) {
        sessions_.erase(it);
        return true;
      }
    }
    return false;
  }

  std::vector<pc::BanInfo> Bans() override { return bans_; }
  bool LiftBan(pc::BanScope scope, std::string_view key) override {
    for (auto it = bans_.begin(); it != bans_.end(); ++it) {
      if (it->scope == scope && it->key == key) {
        bans_.erase(it);
        return true;
      }
    }
    return false;
  }

  std::vector<pc::BanInfo> bans_ = {{pc::BanScope::kAddress, "198.51.100.9", 5, 30},
                                    {pc::BanScope::kUser, "alice\n[info] forged", 10, 3700}};
  std::vector<pc::SessionInfo> sessions_ = {
      {7, "alice", "staff", "198.51.100.7:50123", "10.0.0.2", 65, 1000, 2000, "dtls", "connected"},
      {9, "bob \"b\"", "staff", "198.51.100.8:40000", "10.0.0.3", 5, 0, 0, "tls", "connected"}};
};

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Short paths: sockaddr_un holds 108 bytes.
    dir_ = "/tmp/sk_ctl_" + std::to_string(::getpid()) + "_" +
           std::to_string(reinterpret_cast<std::uintptr_t>(this) % 100000);
    std::filesystem::create_directories(dir_);
    path_ = dir_ + "/ctl.sock";
  }
  void TearDown() override {
    StopIo();
    std::filesystem::remove_all(dir_);
  }

  void StartIo() {
    thread_ = std::thread([this] { io_.run(); });
  }
  void StopIo() {
    if (thread_.joinable()) {
      boost::asio::post(io_, [this] {
        server_.Stop();
        work_.reset();
      });
      thread_.join();
    }
  }

  // Runs sekishoctl in-process; returns {exit code, stdout, stderr}.
  std::tuple<int, std::string, std::string> Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"sekishoctl", "--socket", path_, "--timeout", "5"});
    std::vector<const char*> argv;
    for (const auto& a : args) {
      argv.push_back(a.c_str());
    }
    std::ostringstream out;
    std::ostringstream err;
    int code = ctl::RunSekishoCtl(static_cast<int>(argv.size()), argv.data(), out, err);
    return {code, out.str(), err.str()};
  }

  std::string dir_;
  std::string path_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  FakeHandler handler_;
  ControlServer server_{io_, handler_};
  std::thread thread_;
};

TEST_F(ControlServerTest, EndToEndWithSekishoctl) {
  ASSERT_TRUE(server_.Start(path_).has_value());
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  StartIo();

  auto [code, out, err] = Ctl({"show", "status"});
  EXPECT_EQ(code, ctl::kExitOk) << err;
  EXPECT_NE(out.find("sekisho 0.1.0"), std::string::npos);
  EXPECT_NE(out.find("1h02m"), std::string::npos);
  EXPECT_NE(out.find("pool staff: 10.0.0.0/24 1/253 used"), std::string::npos);

  std::tie(code, out, err) = Ctl({"show", "status", "--json"});
  EXPECT_EQ(code, ctl::kExitOk);
  EXPECT_NE(out.find("\"uptime_s\":3725"), std::string::npos) << out;

  std::tie(code, out, err) = Ctl({"show", "sessions"});
  EXPECT_EQ(code, ctl::kExitOk);
  EXPECT_NE(out.find("alice"), std::string::npos);
  EXPECT_NE(out.find("connected/dtls"), std::string::npos);

  std::tie(code, out, err) = Ctl({"show", "sessions", "--json"});
  EXPECT_EQ(code, ctl::kExitOk);
  EXPECT_NE(out.find("\"user\":\"bob \\\"b\\\"\""), std::string::npos) << out;

  std::tie(code, out, err) = Ctl({"disconnect", "7"});
  EXPECT_EQ(code, ctl::kExitOk) << err;
  EXPECT_EQ(out, "session 7 disconnected\n");
  std::tie(code, out, err) = Ctl({"disconnect", "7"});
  EXPECT_EQ(code, ctl::kExitError);
  EXPECT_NE(err.find("no session 7"), std::string::npos);

  std::tie(code, out, err) = Ctl({"show", "bogus"});
  EXPECT_EQ(code, ctl::kExitError);
}

TEST_F(ControlServerTest, BansAndUnbanWithSekishoctl) {
  ASSERT_TRUE(server_.Start(path_).has_value());
  StartIo();

  auto [code, out, err] = Ctl({"bans"});
  EXPECT_EQ(code, ctl::kExitOk) << err;
  EXPECT_NE(out.find("address  198.51.100.9"), std::string::npos) << out;
  EXPECT_NE(out.find("1h01m"), std::string::npos) << out;
  // A user name from a peer cannot start a new line on the admin's terminal.
  EXPECT_NE(out.find("alice\\x0a[info] forged"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;

  std::tie(code, out, err) = Ctl({"bans", "--json"});
  EXPECT_EQ(code, ctl::kExitOk);
  EXPECT_NE(out.find("{\"scope\":\"address\",\"key\":\"198.51.100.9\",\"failures\":5,"
                     "\"seconds_left\":30}"),
            std::string::npos)
      << out;

  std::tie(code, out, err) = Ctl({"unban", "198.51.100.9"});
  EXPECT_EQ(code, ctl::kExitOk) << err;
  EXPECT_EQ(out, "address 198.51.100.9 unbanned\n");
  std::tie(code, out, err) = Ctl({"unban", "198.51.100.9"});
  EXPECT_EQ(code, ctl::kExitError);
  EXPECT_NE(err.find("no ban"), std::string::npos);
  std::tie(code, out, err) = Ctl({"unban", "--user", "alice\n[info] forged"});
  EXPECT_EQ(code, ctl::kExitOk) << err;
  EXPECT_TRUE(handler_.bans_.empty());
  std::tie(code, out, err) = Ctl({"bans"});
  EXPECT_EQ(out, "no bans\n");

  std::tie(code, out, err) = Ctl({"unban"});
  EXPECT_EQ(code, ctl::kExitError);
  std::tie(code, out, err) = Ctl({"unban", "1.2.3.4", "--user", "bob"});
  EXPECT_EQ(code, ctl::kExitError);
}

TEST_F(ControlServerTest, KeepAliveConnectionServesSeveralRequests) {
  ASSERT_TRUE(server_.Start(path_).has_value());
  StartIo();
  auto client = ctl::CtlClient::Connect(path_, std::chrono::seconds(5));
  ASSERT_TRUE(client.has_value());
  for (int i = 0; i < 3; ++i) {
    auto r = client->Call(pc::ShowSessionsRequest{});
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(std::get<pc::SessionsResponse>(*r).sessions.size(), 2u);
  }
}

TEST_F(ControlServerTest, CannotConnectGivesExitCode2) {
  auto [code, out, err] = Ctl({"show", "status"});
  EXPECT_EQ(code, ctl::kExitNoConnect);
  EXPECT_NE(err.find("cannot connect"), std::string::npos);
}

TEST_F(ControlServerTest, ReplacesStaleSocketButNotALiveOne) {
  {
    // A socket file whose owner is gone.
    boost::asio::io_context other;
    boost::asio::local::stream_protocol::acceptor stale(other);
    boost::system::error_code ec;
    stale.open(boost::asio::local::stream_protocol(), ec);
    stale.bind(boost::asio::local::stream_protocol::endpoint(path_), ec);
    ASSERT_FALSE(ec);
  }
  ASSERT_TRUE(server_.Start(path_).has_value());
  StartIo();
  FakeHandler other_handler;
  boost::asio::io_context other_io;
  ControlServer second(other_io, other_handler);
  auto r = second.Start(path_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kExhausted);
  EXPECT_TRUE(std::filesystem::exists(path_));  // the live socket is untouched
}

TEST_F(ControlServerTest, RefusesNonSocketAndLongPaths) {
  std::ofstream(path_) << "x";
  EXPECT_EQ(server_.Start(path_).error().code, Errc::kIo);
  EXPECT_EQ(server_.Start(std::string(200, 'a')).error().code, Errc::kInvalidArgument);
}

TEST_F(ControlServerTest, GarbageGetsAnErrorAnswer) {
  ASSERT_TRUE(server_.Start(path_).has_value());
  StartIo();
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path_.c_str(), path_.size());
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  const std::uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
  ASSERT_EQ(::send(fd, huge, sizeof(huge), 0), 4);
  std::vector<std::uint8_t> got;
  std::uint8_t buf[256];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) {
    got.insert(got.end(), buf, buf + n);
  }
  ::close(fd);
  pc::FrameDecoder d;
  ASSERT_TRUE(d.Feed(got).has_value());
  ASSERT_TRUE(d.has_frame());
  auto r = pc::DecodeResponse(d.frame());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(std::get<pc::ErrorResponse>(*r).status, pc::Status::kTooLarge);
}

TEST(HandleControlRequestTest, MapsDecodeErrorsToStatus) {
  FakeHandler h;
  auto status_of = [&](Bytes payload) {
    Bytes frame = HandleControlRequest(h, payload);
    auto r = pc::DecodeResponse(ByteSpan(frame).subspan(4));
    EXPECT_TRUE(r.has_value());
    return std::get<pc::ErrorResponse>(*r).status;
  };
  EXPECT_EQ(status_of({0x09, 0x01, 0x00}), pc::Status::kUnsupportedVersion);
  EXPECT_EQ(status_of({0x01, 0x44, 0x00}), pc::Status::kUnknownRequest);
  EXPECT_EQ(status_of({0x01, 0x03, 0x00}), pc::Status::kMalformed);
}

TEST(CtlFormatTest, Helpers) {
  EXPECT_EQ(ctl::JsonString("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_EQ(ctl::HumanBytes(512), "512 B");
  EXPECT_EQ(ctl::HumanBytes(1536), "1.5 KiB");
  EXPECT_EQ(ctl::HumanBytes(3ULL << 30), "3.0 GiB");
  EXPECT_EQ(ctl::HumanDuration(45), "45s");
  EXPECT_EQ(ctl::HumanDuration(725), "12m05s");
  EXPECT_EQ(ctl::HumanDuration(3 * 3600 + 120), "3h02m");
  EXPECT_EQ(ctl::HumanDuration(2 * 86400 + 4 * 3600), "2d04h");
}

TEST(CtlFormatTest, SessionsTableAndJson) {
  FakeHandler h;
  std::string table = ctl::FormatSessionsText(h.sessions_);
  EXPECT_EQ(
      table.substr(0, table.find('\n')),
      "ID  USER     GROUP  PEER                VPN IP    SINCE  IN      OUT      SPOOFED  STATE");
  EXPECT_EQ(ctl::FormatSessionsText({}), "no sessions\n");
  EXPECT_EQ(ctl::FormatSessionsJson({}), "{\"sessions\":[]}\n");
  std::string json = ctl::FormatSessionsJson({h.sessions_[0]});
  EXPECT_EQ(json,
            "{\"sessions\":[{\"id\":7,\"user\":\"alice\",\"group\":\"staff\",\"peer\":"
            "\"198.51.100.7:50123\",\"vpn_ipv4\":\"10.0.0.2\",\"connected_for_s\":65,"
            "\"bytes_in\":1000,\"bytes_out\":2000,\"dropped_spoofed\":0,\"channel\":\"dtls\","
            "\"state\":\"connected\"}]}"
            "\n");
}

TEST(CtlFormatTest, BansTableAndJson) {
  FakeHandler h;
  std::string table = ctl::FormatBansText(h.bans_, 0);
  EXPECT_EQ(table.substr(0, table.find('\n')),
            "SCOPE    ADDRESS/USER            FAILURES  LEFT   UNTIL");
  EXPECT_EQ(ctl::FormatBansText({}, 0), "no bans\n");
  EXPECT_EQ(ctl::FormatBansJson({}), "{\"bans\":[]}\n");
  EXPECT_EQ(ctl::FormatBansJson({h.bans_[1]}),
            "{\"bans\":[{\"scope\":\"user\",\"key\":\"alice\\n[info] forged\","
            "\"failures\":10,\"seconds_left\":3700}]}\n");
}

}  // namespace
}  // namespace sekisho::gateway

namespace sekisho::gateway {
namespace {

TEST_F(ControlServerTest, SessionsOfOneUserAndTerminateUser) {
  handler_.sessions_.push_back(
      {11, "alice", "staff", "198.51.100.7:50200", "10.0.0.4", 1, 0, 0, "tls", "connected"});
  ASSERT_TRUE(server_.Start(path_).has_value());
  StartIo();

  auto [code, out, err] = Ctl({"show", "sessions", "--user", "alice", "--json"});
  EXPECT_EQ(code, ctl::kExitOk) << err;
  EXPECT_NE(out.find("\"id\":7,"), std::string::npos) << out;
  EXPECT_NE(out.find("\"id\":11,"), std::string::npos) << out;
  EXPECT_EQ(out.find("bob"), std::string::npos) << out;
  std::tie(code, out, err) = Ctl({"show", "user", "bob \"b\""});
  EXPECT_EQ(code, ctl::kExitOk) << err;
  EXPECT_NE(out.find("bob"), std::string::npos) << out;
  EXPECT_EQ(out.find("alice"), std::string::npos) << out;

  std::tie(code, out, err) = Ctl({"terminate", "user", "alice", "--json"});
  EXPECT_EQ(code, ctl::kExitOk) << err;
  EXPECT_EQ(out, "{\"result\":\"ok\",\"user\":\"alice\",\"sessions_ended\":2}\n");
  ASSERT_EQ(handler_.sessions_.size(), 1u);
  EXPECT_EQ(handler_.sessions_[0].id, 9u);
  std::tie(code, out, err) = Ctl({"terminate", "user", "alice"});
  EXPECT_EQ(code, ctl::kExitError);
  EXPECT_NE(err.find("user alice has no session"), std::string::npos) << err;

  std::tie(code, out, err) = Ctl({"terminate", "session", "9", "--json"});
  EXPECT_EQ(code, ctl::kExitOk) << err;
  EXPECT_EQ(out, "{\"result\":\"ok\",\"session_id\":9}\n");
  std::tie(code, out, err) = Ctl({"terminate", "session", "9", "--json"});
  EXPECT_EQ(code, ctl::kExitError);
  EXPECT_EQ(out, "{\"result\":\"not-found\",\"session_id\":9}\n");
}

TEST_F(ControlServerTest, ReloadWithoutSupportSaysSo) {
  ASSERT_TRUE(server_.Start(path_).has_value());
  StartIo();
  auto [code, out, err] = Ctl({"reload"});
  EXPECT_EQ(code, ctl::kExitError);
  EXPECT_NE(err.find("reload not supported by this build"), std::string::npos) << err;
  std::tie(code, out, err) = Ctl({"reload", "--json"});
  EXPECT_EQ(code, ctl::kExitError);
  EXPECT_EQ(out,
            "{\"result\":\"not-supported\",\"message\":\"reload not supported by this build\"}\n");
}

TEST(ControlCodecTest, NewRequestsAndAnswersRoundTrip) {
  const std::vector<pc::Request> requests = {pc::ShowSessionsRequest{"alice"},
                                             pc::TerminateUserRequest{"bob"}, pc::ReloadRequest{}};
  for (const pc::Request& request : requests) {
    auto frame = pc::EncodeRequest(request);
    ASSERT_TRUE(frame.has_value());
    auto decoded = pc::DecodeRequest(ByteSpan(*frame).subspan(4));
    ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
    EXPECT_EQ(*decoded, request);
  }
  const std::vector<pc::Response> responses = {pc::TerminateUserResponse{pc::Status::kOk, 3},
                                               pc::TerminateUserResponse{pc::Status::kNotFound, 0},
                                               pc::ReloadResponse{pc::Status::kNotSupported, "no"}};
  for (const pc::Response& response : responses) {
    auto frame = pc::EncodeResponse(response);
    ASSERT_TRUE(frame.has_value());
    auto decoded = pc::DecodeResponse(ByteSpan(*frame).subspan(4));
    ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
    EXPECT_EQ(*decoded, response);
  }
  // A terminate without a user name is malformed, not "every user".
  const Bytes empty_terminate = {1, 0x06, 0};
  EXPECT_FALSE(pc::DecodeRequest(empty_terminate).has_value());
}

}  // namespace
}  // namespace sekisho::gateway
