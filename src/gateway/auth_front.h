#pragma once
// AuthFront: the gateway's HTTP side before the tunnel (anyconnect.md §2–§4, §3.13): group
// selection, password and certificate login, logout, the downloader files, and the small HTML
// page for browsers. It turns one parsed request into one response; it owns no socket, so the
// whole login dialogue is unit-tested without TLS (tests/unit/gateway/auth_front_test.cc).
// CONNECT is not handled here: the connection driver asks the registry directly.
//
// Dialogue (aggregate-auth v2, decisions #2, #3, #6):
//   POST init [group-select]        -> 200 auth-request: username+password form, group list with
//                                      the chosen group selected="true", opaque with its
//                                      tunnel-group/group-alias, webvpncontext cookie
//   POST auth-reply (credentials)   -> 200 complete + Set-Cookie webvpn   (success)
//                                   -> 200 auth-request + <error>          (retry)
//                                   -> 401, close                          (last failure)
//   POST init with a verified client certificate -> 200 complete directly (certificate login)
//   GET / (AnyConnect markers)      -> the same form (legacy, non-XML clients, §3.11)
//   POST form-urlencoded            -> legacy login with the same rules
//
// Thread affinity: the gateway's event-loop thread.

#include "base/log.h"
#include "base/redacted.h"
#include "base/result.h"
#include "base/time.h"
#include "gateway/auth_throttle.h"
#include "gateway/config.h"
#include "gateway/log_rate_limiter.h"
#include "gateway/login_context_cap.h"
#include "gateway/metrics.h"
#include "gateway/profile_store.h"
#include "gateway/session_registry.h"
#include "proto/auth/client_message.h"
#include "proto/http/message.h"
#include "proto/ipc/messages.h"

#include <optional>
#include <string>

namespace sekisho::gateway {

// The credential store as the front sees it (PasswordFile in production, fakes in tests).
class CredentialChecker {
 public:
  virtual ~CredentialChecker() = default;
  // Errors: kAuthFailed for unknown user, locked user or wrong password (indistinguishable).
  virtual Result<void> Verify(std::string_view user, const SecretString& password) = 0;
  // Whether a known user may log in to `group` (a user unknown to the store may use any group
  // when logging in by certificate).
  virtual bool MayUseGroup(std::string_view user, std::string_view group) = 0;
  // Whether the user exists and is not locked (for certificate logins).
  virtual bool IsLocked(std::string_view user) = 0;
};

// What the TLS layer learned about the peer's certificate; set only when it verified against
// tls.ca_certificates.
struct ClientCertificate {
  std::string subject_dn;
  std::string common_name;
  std::string uid;
  std::string organizational_unit;
};

struct RequestContext {
  std::string peer_ip;  // the client's address as seen by the gateway
  Instant now;
  std::optional<ClientCertificate> client_cert;
};

struct FrontReply {
  proto::http::HttpResponse response;
  bool close_connection = false;
};

class AuthFront {
 public:
  // REQUIRES: every reference outlives the front. `server_cert_hash` is the uppercase SHA-1 of
  // the gateway's certificate, announced in the success document (§1.4).
  AuthFront(const GatewayConfig& config, SessionRegistry& registry, CredentialChecker& credentials,
            AuthThrottle& throttle, const ProfileStore& profiles, std::string server_cert_hash,
            Logger log);

  // Parses the body (ParseLoginRequest) and answers; for tests and single-process use.
  FrontReply Handle(const proto::http::HttpRequest& request, const RequestContext& context);
  // A reload changed the certificate: the success document announces the new one's hash.
  void set_server_cert_hash(std::string hash) { server_cert_hash_ = std::move(hash); }

  // Answers a request whose body a worker has already parsed: main never parses client bytes.
  FrontReply HandleParsed(const proto::ipc::LoginRequest& request, const RequestContext& context);

  // Where login outcomes and password-check times are counted (sekishod_logins_*); none when
  // null. REQUIRES: outlives the front.
  void set_metrics(GatewayMetrics* metrics) { metrics_ = metrics; }

 private:
  struct LoginState {
    const GroupConfig* group = nullptr;
    std::string context_cookie;  // webvpncontext value; empty when none yet
    bool legacy = false;         // form-urlencoded client: answer without aggregate-auth v2
    bool group_locked = false;   // chosen by a group URL: the form offers no group list
    // The client named the group (group-select, group URL, an earlier choice in this login);
    // false when it is the default nobody picked.
    bool group_chosen = false;
  };

  FrontReply HandlePost(const proto::ipc::LoginRequest& request, const RequestContext& context);
  FrontReply HandleGet(const proto::http::HttpRequest& request, const RequestContext& context);
  FrontReply HandleInit(const proto::auth::ClientMessage& message, LoginState state,
                        const RequestContext& context);
  FrontReply HandleCredentials(const proto::auth::ClientMessage& message, LoginState state,
                               const RequestContext& context);
  FrontReply HandleLogout(const proto::auth::ClientMessage& message,
                          const proto::http::HttpRequest& request, const RequestContext& context);
  FrontReply HandleDownload(const proto::http::HttpRequest& request, const RequestContext& context);
  std::optional<FrontReply> TryCertificateLogin(LoginState& state, const RequestContext& context);

  void LogBlocks(const AuthThrottle::FailureOutcome& outcome, std::string_view peer_ip,
                 std::string_view logged_user);
  // A new login context in the registry, within limits.max_login_contexts (the oldest evicted).
  std::string NewLoginContext(const std::string& group, Instant now);
  FrontReply LoginForm(const LoginState& state, std::string_view error, Instant now);
  FrontReply LoginSuccess(Session& session, const LoginState& state);
  FrontReply Refuse(std::string_view reason, const RequestContext& context);

  const GroupConfig* GroupFromPath(std::string_view target) const;
  const GroupConfig* ResolveGroup(const proto::auth::ClientMessage& message,
                                  const proto::http::HttpRequest& request,
                                  const LoginContext* login) const;
  std::optional<std::string> CertificateUser(const ClientCertificate& cert) const;
  // The group a certificate login gets: the chosen one, or with auth.cert_group_oid the one the
  // certificate names. Errors: kAuthFailed (no such group, or another group was chosen).
  Result<const GroupConfig*> CertificateGroup(const ClientCertificate& cert,
                                              const LoginState& state) const;
  // The final answer when tunnel.max_sessions or max_sessions_per_user forbid another session.
  std::optional<FrontReply> RefuseOverLimit(const std::string& user, const RequestContext& context);

  const GatewayConfig& config_;
  SessionRegistry& registry_;
  CredentialChecker& credentials_;
  AuthThrottle& throttle_;
  const ProfileStore& profiles_;
  std::string server_cert_hash_;
  Logger log_;
  GatewayMetrics* metrics_ = nullptr;
  void Count(LoginOutcome outcome) {
    if (metrics_ != nullptr) {
      metrics_->CountLogin(outcome);
    }
  }
  LoginContextCap context_cap_;
  LogRateLimiter eviction_log_;
};

// The worker's half of a login request: the head as it came, and a POST body parsed into a
// ClientMessage (XML or legacy form, decided by the body) or the reason it could not be. The
// peer address and certificate are left for the caller to fill in.
proto::ipc::LoginRequest ParseLoginRequest(proto::http::HttpRequest request);

// An HTML page for web browsers that reach the gateway (§2.8): there is no clientless portal.
std::string BrowserPage();

}  // namespace sekisho::gateway
