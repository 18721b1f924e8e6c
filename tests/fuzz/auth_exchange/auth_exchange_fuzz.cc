// The gateway's whole login exchange, stateful, as one attacker drives it over one TLS
// connection: the bytes are read as pipelined HTTP requests (RequestReader), each parsed the
// way a worker parses it (ParseLoginRequest), carried to main through the real IPC codec and
// answered by AuthFront::HandleParsed; the answer is serialized as the worker would send it.
// Cookies the gateway sets (webvpncontext, webvpn) are sent back on the following requests
// when the attacker's request carries none, so the fuzzer reaches the credential, success,
// download and logout states, not only the first form. The clock moves 1 s per request.
#include "gateway/auth_front.h"
#include "gateway/config.h"
#include "gateway/profile_store.h"
#include "gateway/session_registry.h"
#include "proto/http/cookies.h"
#include "proto/http/request_reader.h"
#include "proto/http/writer.h"
#include "proto/ipc/message.h"
#include "testutil/fakes.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace gw = sekisho::gateway;
namespace http = sekisho::proto::http;
namespace ipc = sekisho::proto::ipc;
using sekisho::ByteSpan;
using sekisho::Result;

namespace {

constexpr std::string_view kConfig = R"(
[tls]
certificate = "server.pem"
private_key = "server-key.pem"
[auth]
password_file = "passwd"
max_login_attempts = 3
[network]
ipv4_pool = "198.18.100.0/24"
[[group]]
name = "engineering"
aliases = ["Engineering", "eng"]
default = true
ipv4_pool = "198.18.101.0/28"
[[group]]
name = "sales"
aliases = ["Sales"]
ipv4_pool = "198.18.102.0/28"
)";

// alice/alicepw (engineering), bob/bobpw (sales): reachable from the seed corpus.
class FuzzCredentials final : public gw::CredentialChecker {
 public:
  Result<void> Verify(std::string_view user, const sekisho::SecretString& password) override {
    if ((user == "alice" && password.reveal() == "alicepw") ||
        (user == "bob" && password.reveal() == "bobpw")) {
      return sekisho::Ok();
    }
    return sekisho::Fail(sekisho::Errc::kAuthFailed);
  }
  bool MayUseGroup(std::string_view user, std::string_view group) override {
    return user != "bob" || group == "sales";
  }
  bool IsLocked(std::string_view user) override { return user == "locked"; }
};

class NullSink final : public sekisho::LogSink {
 public:
  bool Enabled(sekisho::LogLevel) const override { return true; }
  void Write(sekisho::LogLevel, std::string_view, std::string_view, std::string_view) override {}
};

// Everything AuthFront needs, built once: the config parse is the slow part.
struct Gateway {
  gw::GatewayConfig config = *gw::ParseConfig(kConfig, "/fuzz/sekishod.toml");
  gw::ProfileStore profiles = *gw::ProfileStore::Load(config);
};

const Gateway& SharedGateway() {
  static const Gateway* gateway = new Gateway;
  return *gateway;
}

void RememberCookies(const http::HttpResponse& response, std::map<std::string, std::string>& jar) {
  for (std::string_view value : response.FindAll("Set-Cookie")) {
    auto cookie = http::ParseSetCookie(value);
    if (cookie.has_value()) {
      jar[cookie->name] = cookie->expired ? std::string() : cookie->value;
    }
  }
}

void AddCookiesUnlessPresent(http::HttpRequest& request,
                             const std::map<std::string, std::string>& jar) {
  if (request.Find("Cookie") != nullptr) {
    return;
  }
  std::string header;
  for (const auto& [name, value] : jar) {
    if (!value.empty()) {
      header += (header.empty() ? "" : "; ") + name + "=" + value;
    }
  }
  if (!header.empty()) {
    request.headers.push_back({"Cookie", header});
  }
}

// The worker -> main hop: what main handles is what survived the codec.
std::optional<ipc::LoginRequest> ThroughIpc(const ipc::LoginRequest& request) {
  auto encoded = request.ToMessage().Encode();
  if (!encoded.has_value()) {
    return std::nullopt;
  }
  auto decoded = ipc::Decode(*encoded);
  if (!decoded.has_value()) {
    __builtin_trap();  // the codec refused what it had just written
  }
  auto again = ipc::LoginRequest::FromMessage(*decoded);
  if (!again.has_value()) {
    __builtin_trap();
  }
  return *again;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Gateway& shared = SharedGateway();
  sekisho::testutil::FakeRng rng;
  sekisho::testutil::FakeClock clock;
  NullSink sink;
  FuzzCredentials credentials;
  gw::AuthThrottle throttle;
  gw::SessionRegistry registry(shared.config, rng);
  gw::AuthFront front(shared.config, registry, credentials, throttle, shared.profiles,
                      "D27A5A0A2A917D7B2F3D121DE97B741483F98F2D", sekisho::Logger(sink, "auth"));

  std::map<std::string, std::string> jar;
  http::RequestReader reader(http::Limits{.max_header_bytes = 8192, .max_body_bytes = 16384});
  ByteSpan input(data, size);
  for (int requests = 0; !input.empty() && requests < 16;) {
    auto used = reader.Feed(input);
    if (!used.has_value() || *used == 0) {
      return 0;
    }
    input = input.subspan(*used);
    if (!reader.done()) {
      continue;
    }
    http::HttpRequest request = reader.Take();
    reader.Reset();
    ++requests;
    AddCookiesUnlessPresent(request, jar);
    ipc::LoginRequest parsed = gw::ParseLoginRequest(std::move(request));
    parsed.peer_ip = "198.18.0.2";
    auto arrived = ThroughIpc(parsed);
    if (!arrived.has_value()) {
      continue;
    }
    clock.Advance(std::chrono::seconds(1));
    gw::RequestContext context{"198.18.0.2", clock.Now(), std::nullopt};
    gw::FrontReply reply = front.HandleParsed(*arrived, context);
    (void)http::SerializeResponse(reply.response);
    RememberCookies(reply.response, jar);
    if (reply.close_connection) {
      return 0;
    }
  }
  return 0;
}
