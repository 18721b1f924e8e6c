#include "client/script_env.h"

#include "client/xdg_paths.h"
#include "client_core_test_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace sekisho::client {
namespace {

using ::testing::Contains;
using ::testing::Not;

// The CONNECT response of ref-oc901-ocserv116-dtls12-profile.log, verbatim.
constexpr const char* kOcservConnectHeaders = R"(X-CSTP-Version: 1
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
X-CSTP-Rekey-Time: 172776
X-CSTP-Rekey-Method: ssl
X-CSTP-Session-Timeout: 86400
X-CSTP-Session-Timeout-Remaining: 86400
X-CSTP-Disconnected-Timeout: none
X-CSTP-Keep: true
X-CSTP-TCP-Keepalive: true
X-CSTP-License: accept
X-DTLS-DPD: 90
X-DTLS-Port: 4443
X-DTLS-Rekey-Time: 172786
X-DTLS-Rekey-Method: ssl
X-DTLS-Keepalive: 32400
X-DTLS-Session-ID: e7aa4f115ea1355dc9580d716178605a6abde7c9c601ed4f91f5ece2a96a3cbc
X-DTLS12-CipherSuite: AES256-GCM-SHA384
X-DTLS-MTU: 1434
X-CSTP-Base-MTU: 1500
X-CSTP-MTU: 1434
X-CSTP-Banner: Doc banner
X-DTLS-Content-Encoding: oc-lz4
X-CSTP-Content-Encoding: oc-lz4
)";

proto::http::HeaderList ParseHeaderLines(std::string_view text) {
  proto::http::HeaderList headers;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(": ");
    if (colon != std::string::npos) {
      headers.push_back({line.substr(0, colon), line.substr(colon + 2)});
    }
  }
  return headers;
}

class ScriptEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    headers_ = ParseHeaderLines(kOcservConnectHeaders);
    auto parsed = proto::tunnel::ParseConnectResponse(headers_);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
    response_ = *parsed;
    context_.tundev = "tun0";
    context_.gateway_ip = "127.0.0.1";
    context_.pid = 4242;
    context_.connect_headers = headers_;
  }

  proto::http::HeaderList headers_;
  proto::tunnel::ConnectResponse response_;
  ScriptContext context_;
};

TEST_F(ScriptEnvTest, ConnectFromTheOcservTrace) {
  const auto env = BuildScriptEnvironment(context_, &response_);
  for (const char* expected : {
           "reason=connect",
           "VPNGATEWAY=127.0.0.1",
           "VPNPID=4242",
           "TUNDEV=tun0",
           "LOG_LEVEL=1",
           "IDLE_TIMEOUT=1200",
           "INTERNAL_IP4_ADDRESS=198.18.10.190",
           "INTERNAL_IP4_MTU=1434",
           "INTERNAL_IP4_NETMASK=255.255.255.0",
           "INTERNAL_IP4_NETMASKLEN=24",
           "INTERNAL_IP4_NETADDR=198.18.10.0",
           "INTERNAL_IP4_DNS=198.18.10.1",
           "CISCO_DEF_DOMAIN=example.com",
           "CISCO_BANNER=Doc banner",
           "CISCO_SPLIT_DNS=example.com",
           "CISCO_SPLIT_INC=1",
           "CISCO_SPLIT_INC_0_ADDR=198.18.20.0",
           "CISCO_SPLIT_INC_0_MASK=255.255.255.0",
           "CISCO_SPLIT_INC_0_MASKLEN=24",
           "CISCO_SPLIT_INC_0_PROTOCOL=0",
           "CISCO_SPLIT_INC_0_SPORT=0",
           "CISCO_SPLIT_INC_0_DPORT=0",
           "CISCO_SPLIT_EXC=1",
           "CISCO_SPLIT_EXC_0_ADDR=198.18.20.128",
           "CISCO_SPLIT_EXC_0_MASK=255.255.255.128",
           "CISCO_SPLIT_EXC_0_MASKLEN=25",
       }) {
    EXPECT_THAT(env, Contains(std::string(expected)));
  }
  EXPECT_THAT(env, Not(Contains(::testing::StartsWith("INTERNAL_IP6_"))));
  EXPECT_THAT(env, Not(Contains(::testing::StartsWith("CISCO_IPV6_SPLIT"))));
  EXPECT_THAT(env, Not(Contains(::testing::StartsWith("INTERNAL_IP4_NBNS"))));
  auto options = std::find_if(env.begin(), env.end(), [](const std::string& e) {
    return e.rfind("CISCO_CSTP_OPTIONS=", 0) == 0;
  });
  ASSERT_NE(options, env.end());
  EXPECT_THAT(*options,
              ::testing::StartsWith(
                  "CISCO_CSTP_OPTIONS=X-CSTP-Version=1\nX-CSTP-Server-Name=ocserv 1.1.6\n"));
  EXPECT_THAT(*options, ::testing::HasSubstr("X-CSTP-Content-Encoding=oc-lz4\n"));
  EXPECT_THAT(*options, Not(::testing::HasSubstr("X-DTLS")));
}

TEST_F(ScriptEnvTest, MtuOverrideAndRebuiltOptions) {
  context_.mtu = 1390;
  context_.connect_headers.clear();
  context_.reason = ScriptReason::kDisconnect;
  const auto env = BuildScriptEnvironment(context_, &response_);
  EXPECT_THAT(env, Contains(std::string("reason=disconnect")));
  EXPECT_THAT(env, Contains(std::string("INTERNAL_IP4_MTU=1390")));
  EXPECT_THAT(env, Contains(::testing::StartsWith("CISCO_CSTP_OPTIONS=X-CSTP-")));
}

TEST_F(ScriptEnvTest, PreInitHasOnlyTheBasics) {
  context_.reason = ScriptReason::kPreInit;
  const auto env = BuildScriptEnvironment(context_, nullptr);
  EXPECT_THAT(env, ::testing::ElementsAre("reason=pre-init", "VPNGATEWAY=127.0.0.1", "VPNPID=4242",
                                          "TUNDEV=tun0", "LOG_LEVEL=1"));
}

TEST_F(ScriptEnvTest, Ipv6AndMultipleServers) {
  response_.address_ip6 = "fd00::5/64";
  response_.dns = {"198.18.10.1", "198.18.10.2", "fd00::1"};
  response_.nbns = {"198.18.10.3", "198.18.10.4"};
  response_.split_include_ip6 = {"fd00:1::/48"};
  response_.split_exclude = {"10.0.0.0/8", "bogus", "10.1.0.0/16"};
  const auto env = BuildScriptEnvironment(context_, &response_);
  EXPECT_THAT(env, Contains(std::string("INTERNAL_IP6_ADDRESS=fd00::5")));
  EXPECT_THAT(env, Contains(std::string("INTERNAL_IP6_NETMASK=fd00::5/64")));
  EXPECT_THAT(env, Contains(std::string("INTERNAL_IP6_DNS=fd00::1")));
  EXPECT_THAT(env, Contains(std::string("INTERNAL_IP4_DNS=198.18.10.1 198.18.10.2")));
  EXPECT_THAT(env, Contains(std::string("INTERNAL_IP4_NBNS=198.18.10.3 198.18.10.4")));
  EXPECT_THAT(env, Contains(std::string("CISCO_IPV6_SPLIT_INC=1")));
  EXPECT_THAT(env, Contains(std::string("CISCO_IPV6_SPLIT_INC_0_ADDR=fd00:1::")));
  EXPECT_THAT(env, Contains(std::string("CISCO_IPV6_SPLIT_INC_0_MASKLEN=48")));
  EXPECT_THAT(env, Contains(std::string("CISCO_SPLIT_EXC=2")));
  EXPECT_THAT(env, Contains(std::string("CISCO_SPLIT_EXC_1_ADDR=10.1.0.0")));
  EXPECT_THAT(env, Contains(std::string("CISCO_SPLIT_EXC_1_MASKLEN=16")));
}

TEST(ScriptEnvReasonTest, Names) {
  EXPECT_EQ(ToString(ScriptReason::kPreInit), "pre-init");
  EXPECT_EQ(ToString(ScriptReason::kConnect), "connect");
  EXPECT_EQ(ToString(ScriptReason::kDisconnect), "disconnect");
  EXPECT_EQ(ToString(ScriptReason::kReconnect), "reconnect");
  EXPECT_EQ(ToString(ScriptReason::kAttemptReconnect), "attempt-reconnect");
}

// The last guard (CheckPushedConfig refuses these first): nothing with a control character
// or an escape sequence reaches the script, whatever the response holds.
TEST_F(ScriptEnvTest, NoControlCharactersReachTheScript) {
  response_.default_domain = "example.com\nnameserver 6.6.6.6";
  response_.banner = "Line 1\r\n\x1b[2JLine 2\x1b]0;title\x07";
  response_.split_dns = {"a.example\x1b[1m"};
  context_.connect_headers.push_back({"X-CSTP-Evil", "x\x1b[2Jy\x07"});
  const auto env = BuildScriptEnvironment(context_, &response_);
  EXPECT_THAT(env, Contains(std::string("CISCO_DEF_DOMAIN=example.com nameserver 6.6.6.6")));
  EXPECT_THAT(env, Contains(std::string("CISCO_BANNER=Line 1\nLine 2")));
  EXPECT_THAT(env, Contains(std::string("CISCO_SPLIT_DNS=a.example")));
  for (const std::string& entry : env) {
    const bool multi_line =
        entry.rfind("CISCO_BANNER=", 0) == 0 || entry.rfind("CISCO_CSTP_OPTIONS=", 0) == 0;
    for (char c : entry) {
      const auto u = static_cast<unsigned char>(c);
      EXPECT_FALSE((u < 0x20 && !(multi_line && c == '\n')) || u == 0x7f) << entry;
    }
  }
}

TEST_F(ScriptEnvTest, ValuesAreLengthBounded) {
  response_.default_domain = std::string(kMaxScriptValueBytes + 100, 'a');
  response_.banner = std::string(kMaxScriptTextBytes + 100, 'b');
  const auto env = BuildScriptEnvironment(context_, &response_);
  EXPECT_THAT(env, Contains("CISCO_DEF_DOMAIN=" + std::string(kMaxScriptValueBytes, 'a')));
  EXPECT_THAT(env, Contains("CISCO_BANNER=" + std::string(kMaxScriptTextBytes, 'b')));
}

TEST(RunScriptTest, ExactEnvironmentAndExitStatus) {
  testing::TempDir dir;
  const std::string out = dir.path() + "/env.txt";
  auto status = RunScript("env | sort > '" + out + "'; exit 3", {"reason=connect", "TUNDEV=tun9"});
  ASSERT_TRUE(status.has_value()) << status.error().ToString();
  EXPECT_EQ(*status, 3);
  const std::string env = **ReadFileIfExists(out);
  EXPECT_NE(env.find("reason=connect\n"), std::string::npos);
  EXPECT_NE(env.find("TUNDEV=tun9\n"), std::string::npos);
  EXPECT_NE(env.find("PATH="), std::string::npos);
  EXPECT_EQ(env.find("HOME="), std::string::npos);  // nothing inherited but PATH
}

TEST(RunScriptTest, TimeoutKillsTheScript) {
  auto status = RunScript("sleep 30", {}, std::chrono::milliseconds(200));
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, Errc::kTimeout);
}

TEST(RunScriptTest, SignalledScript) {
  auto status = RunScript("kill -9 $$", {});
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 128 + 9);
}

}  // namespace
}  // namespace sekisho::client
