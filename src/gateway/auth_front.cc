#include "gateway/auth_front.h"

#include "base/encoding.h"
#include "base/strings.h"
#include "proto/auth/server_builder.h"
#include "proto/http/cookies.h"

#include <utility>

namespace sekisho::gateway {
namespace {

namespace http = proto::http;
namespace auth = proto::auth;

constexpr std::string_view kContextCookie = "webvpncontext";
constexpr std::string_view kSessionCookie = "webvpn";
constexpr std::string_view kBasePackageUri = "/CACHE/stc/1";

// A response with the headers every AnyConnect client expects on the XML dialogue (§2.3).
http::HttpResponse XmlResponse(std::string body) {
  http::HttpResponse response;
  response.status = 200;
  response.reason = "OK";
  response.headers = {
      {"Connection", "Keep-Alive"}, {"Content-Type", "text/xml"}, {"X-Transcend-Version", "1"}};
  response.body = std::move(body);
  return response;
}

http::HttpResponse PlainResponse(unsigned status, std::string reason, std::string content_type,
                                 std::string body) {
  http::HttpResponse response;
  response.status = status;
  response.reason = std::move(reason);
  if (!content_type.empty()) {
    response.headers.push_back({"Content-Type", std::move(content_type)});
  }
  response.headers.push_back({"X-Transcend-Version", "1"});
  response.body = std::move(body);
  return response;
}

// AnyConnect-family clients mark every request (§2.8); browsers do not.
bool IsVpnClient(const http::HttpRequest& request) {
  return request.Find("X-Transcend-Version") != nullptr ||
         request.Find("X-Aggregate-Auth") != nullptr;
}

std::string_view PathOf(std::string_view target) {
  // Absolute-form targets ("https://host/path") are legal HTTP; keep only the path.
  if (auto scheme = target.find("://"); scheme != std::string_view::npos) {
    auto slash = target.find('/', scheme + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  if (auto query = target.find('?'); query != std::string_view::npos) {
    target = target.substr(0, query);
  }
  return target;
}

// A user name in a log line before it is verified: long enough for any real name.
constexpr std::size_t kLoggedUserMax = 64;

std::int64_t SecondsRoundedUp(Duration d) { return std::chrono::ceil<seconds>(d).count(); }

}  // namespace

AuthFront::AuthFront(const GatewayConfig& config, SessionRegistry& registry,
                     CredentialChecker& credentials, AuthThrottle& throttle,
                     const ProfileStore& profiles, std::string server_cert_hash, Logger log)
    : config_(config),
      registry_(registry),
      credentials_(credentials),
      throttle_(throttle),
      profiles_(profiles),
      server_cert_hash_(std::move(server_cert_hash)),
      log_(std::move(log)),
      context_cap_(config.limits.max_login_contexts),
      eviction_log_(std::chrono::seconds(10)) {}

proto::ipc::LoginRequest ParseLoginRequest(http::HttpRequest request) {
  proto::ipc::LoginRequest parsed;
  if (request.method == "POST") {
    // XML or form is decided by the body, never by Content-Type (decision #5).
    parsed.xml_body = auth::LooksLikeXml(request.body);
    Result<auth::ClientMessage> message = parsed.xml_body ? auth::ParseClientMessage(request.body)
                                                          : auth::ParseLegacyFormBody(request.body);
    if (message) {
      parsed.message = std::move(*message);
    } else {
      parsed.parse_error = message.error().ToString();
    }
  }
  request.body.clear();
  parsed.head = std::move(request);
  return parsed;
}

FrontReply AuthFront::Handle(const http::HttpRequest& request, const RequestContext& context) {
  return HandleParsed(ParseLoginRequest(request), context);
}

FrontReply AuthFront::HandleParsed(const proto::ipc::LoginRequest& parsed,
                                   const RequestContext& context) {
  const http::HttpRequest& request = parsed.head;
  if (request.method == "POST") {
    return HandlePost(parsed, context);
  }
  if (request.method == "GET" || request.method == "HEAD") {
    FrontReply reply = HandleGet(request, context);
    if (request.method == "HEAD") {
      reply.response.body.clear();
    }
    return reply;
  }
  log_.Info("{}: method {} not allowed", context.peer_ip, EscapeForLog(request.method, 16));
  FrontReply reply{PlainResponse(405, "Method Not Allowed", "text/plain", "method not allowed\n"),
                   true};
  reply.response.headers.push_back({"Allow", "GET, POST, CONNECT"});
  return reply;
}

const GroupConfig* AuthFront::GroupFromPath(std::string_view target) const {
  std::string_view path = PathOf(target);
  while (!path.empty() && path.front() == '/') {
    path.remove_prefix(1);
  }
  while (!path.empty() && path.back() == '/') {
    path.remove_suffix(1);
  }
  if (path.empty() || path == "auth") {
    return nullptr;
  }
  return registry_.FindGroup(path);
}

const GroupConfig* AuthFront::ResolveGroup(const auth::ClientMessage& message,
                                           const http::HttpRequest& request,
                                           const LoginContext* login) const {
  // An explicit choice wins, then the login in progress, then the group URL (§3.4, §3.5).
  if (message.group_select) {
    if (const GroupConfig* group = registry_.FindGroup(*message.group_select)) {
      return group;
    }
  }
  if (login != nullptr) {
    if (const GroupConfig* group = registry_.FindGroup(login->group)) {
      return group;
    }
  }
  if (const GroupConfig* group = GroupFromPath(request.target)) {
    return group;
  }
  return &registry_.DefaultGroup();
}

FrontReply AuthFront::HandlePost(const proto::ipc::LoginRequest& parsed,
                                 const RequestContext& context) {
  const http::HttpRequest& request = parsed.head;
  const bool xml = parsed.xml_body;
  const std::optional<auth::ClientMessage>& message = parsed.message;
  if (!message) {
    log_.Info("{}: unreadable login request: {}", context.peer_ip,
              EscapeForLog(parsed.parse_error));
    return {PlainResponse(400, "Bad Request", "text/plain", "malformed request\n"), true};
  }
  if (message->type == auth::ClientMessageType::kLogout) {
    return HandleLogout(*message, request, context);
  }

  LoginState state;
  state.legacy = !xml;
  const LoginContext* login = nullptr;
  if (auto cookie = http::FindCookie(request, kContextCookie); cookie && !cookie->empty()) {
    login = registry_.FindLoginContext(*cookie, context.now);
    if (login != nullptr) {
      state.context_cookie = *cookie;
    }
  }
  state.group = ResolveGroup(*message, request, login);
  // A group URL (https://gw/eng) fixes the group, as an ASA group-url does: the form then has
  // no group list, so clients need no --authgroup.
  state.group_locked = !message->group_select && GroupFromPath(request.target) == state.group;
  state.group_chosen = message->group_select.has_value() || state.group_locked ||
                       (login != nullptr && state.group != &registry_.DefaultGroup());

  if (message->type == auth::ClientMessageType::kInit) {
    return HandleInit(*message, std::move(state), context);
  }
  return HandleCredentials(*message, std::move(state), context);
}

FrontReply AuthFront::HandleInit(const auth::ClientMessage& message, LoginState state,
                                 const RequestContext& context) {
  // Any init restarts the dialogue (decision #2): forget partial state, keep only the group.
  if (!state.context_cookie.empty()) {
    registry_.DropLoginContext(state.context_cookie);
    state.context_cookie.clear();
  }
  log_.Debug("{}: login dialogue for group {} (client {})", context.peer_ip, state.group->name,
             EscapeForLog(message.client_version, 64));
  if (auto reply = TryCertificateLogin(state, context)) {
    return std::move(*reply);
  }
  return LoginForm(state, {}, context.now);
}

namespace {

// The value of one of the subject fields config validation allows (kOid*).
const std::string& CertificateField(const ClientCertificate& cert, std::string_view oid) {
  if (oid == kOidUid) {
    return cert.uid;
  }
  if (oid == kOidOrganizationalUnit) {
    return cert.organizational_unit;
  }
  return cert.common_name;
}

}  // namespace

std::optional<std::string> AuthFront::CertificateUser(const ClientCertificate& cert) const {
  const std::string& user = CertificateField(cert, config_.auth.cert_user_oid);
  if (user.empty()) {
    return std::nullopt;
  }
  return user;
}

Result<const GroupConfig*> AuthFront::CertificateGroup(const ClientCertificate& cert,
                                                       const LoginState& state) const {
  if (!config_.auth.cert_group_oid) {
    return state.group;
  }
  const std::string& carried = CertificateField(cert, *config_.auth.cert_group_oid);
  const GroupConfig* group = carried.empty() ? nullptr : registry_.FindGroup(carried);
  if (group == nullptr) {
    return Fail(Errc::kAuthFailed, "the certificate names no configured group (field " +
                                       *config_.auth.cert_group_oid + " = '" +
                                       EscapeForLog(carried) + "')");
  }
  // When the user chose nothing the certificate decides; a choice must be its own group.
  if (state.group_chosen && group != state.group) {
    return Fail(Errc::kAuthFailed, "the certificate is for group " + group->name +
                                       ", not the chosen group " + state.group->name);
  }
  return group;
}

std::optional<FrontReply> AuthFront::TryCertificateLogin(LoginState& state,
                                                         const RequestContext& context) {
  if (!context.client_cert) {
    return std::nullopt;
  }
  std::optional<std::string> user = CertificateUser(*context.client_cert);
  if (!user) {
    log_.Warn("{}: client certificate '{}' has no usable user name", context.peer_ip,
              EscapeForLog(context.client_cert->subject_dn, 256));
    Count(LoginOutcome::kCertificate);
    return std::nullopt;
  }
  Result<const GroupConfig*> group = CertificateGroup(*context.client_cert, state);
  if (!group) {
    log_.Warn("{}: certificate login of {} refused: {}", context.peer_ip, EscapeForLog(*user),
              group.error().context);
    Count(LoginOutcome::kCertificate);
    return std::nullopt;
  }
  state.group = *group;
  if (credentials_.IsLocked(*user) || !credentials_.MayUseGroup(*user, state.group->name)) {
    log_.Warn("{}: certificate user {} may not use group {}", context.peer_ip, EscapeForLog(*user),
              state.group->name);
    Count(credentials_.IsLocked(*user) ? LoginOutcome::kLocked : LoginOutcome::kCertificate);
    return std::nullopt;
  }
  if (std::optional<FrontReply> refused = RefuseOverLimit(*user, context)) {
    return refused;
  }
  Session& session = registry_.CreateSession(*user, state.group->name, context.peer_ip,
                                             "certificate", context.now);
  log_.Info("{}: user {} logged in to group {} by certificate '{}' (session {})", context.peer_ip,
            EscapeForLog(*user), state.group->name,
            EscapeForLog(context.client_cert->subject_dn, 256), session.id);
  Count(LoginOutcome::kOk);
  return LoginSuccess(session, state);
}

std::optional<FrontReply> AuthFront::RefuseOverLimit(const std::string& user,
                                                     const RequestContext& context) {
  std::optional<std::string> refusal = registry_.RefuseNewSession(user);
  if (!refusal) {
    return std::nullopt;
  }
  log_.Warn("{}: login of {} refused: {}", context.peer_ip, EscapeForLog(user, kLoggedUserMax),
            *refusal);
  Count(LoginOutcome::kLimit);
  // A terminal failure carrying the reason: both openconnect and sekisho print it and stop,
  // where a retry form would only make the user type the password again.
  return FrontReply{XmlResponse(auth::BuildAuthFailure(*refusal)), true};
}

FrontReply AuthFront::HandleCredentials(const auth::ClientMessage& message, LoginState state,
                                        const RequestContext& context) {
  if (state.context_cookie.empty()) {
    // A client that did not keep our context cookie still gets counted failures.
    state.context_cookie = NewLoginContext(state.group->name, context.now);
  }
  LoginContext* login = registry_.FindLoginContext(state.context_cookie, context.now);
  login->group = state.group->name;

  std::string user;
  const SecretString* password = nullptr;
  for (const auto& [name, value] : message.fields) {
    if (name == "username") {
      user = std::string(TrimWhitespace(value.reveal()));
    } else if (name == "password") {
      password = &value;
    }
  }
  if (user.empty() || password == nullptr) {
    if (auto reply = TryCertificateLogin(state, context)) {
      return std::move(*reply);
    }
    return LoginForm(
        state,
        user.empty() ? "Please enter your username and password." : "Please enter your password.",
        context.now);
  }

  // The name is the only form value that may reach the log before it is checked: escaped and
  // cut short, since a user may type a password (or a forged log line) into it.
  const std::string logged_user = EscapeForLog(user, kLoggedUserMax);
  if (auto wait = throttle_.RetryAfter(context.peer_ip, user, context.now)) {
    // The password is not even checked, so guessing gains nothing while blocked.
    log_.Warn("{}: login for {} refused: too many failures (retry in {} s)", context.peer_ip,
              logged_user, SecondsRoundedUp(*wait));
    Count(LoginOutcome::kThrottled);
    return LoginForm(state, "Too many failed logins. Please wait and try again.", context.now);
  }

  const Instant check_started = SteadyClock().Now();
  bool ok = credentials_.Verify(user, *password).has_value() &&
            credentials_.MayUseGroup(user, state.group->name);
  if (metrics_ != nullptr) {
    metrics_->ObserveLogin(SteadyClock().Now() - check_started);
  }
  if (!ok) {
    Count(LoginOutcome::kBadPassword);
    LogBlocks(throttle_.RecordFailure(context.peer_ip, user, context.now), context.peer_ip,
              logged_user);
    ++login->failures;
    log_.Info("{}: login failed for user {} in group {} (attempt {} of {})", context.peer_ip,
              logged_user, state.group->name, login->failures, config_.auth.max_login_attempts);
    if (login->failures >= static_cast<int>(config_.auth.max_login_attempts)) {
      registry_.DropLoginContext(state.context_cookie);
      return Refuse("Authentication failed", context);
    }
    return LoginForm(state, "Login failed.", context.now);
  }

  throttle_.RecordSuccess(user);
  registry_.DropLoginContext(state.context_cookie);
  if (std::optional<FrontReply> refused = RefuseOverLimit(user, context)) {
    return std::move(*refused);
  }
  Session& session =
      registry_.CreateSession(user, state.group->name, context.peer_ip, "password", context.now);
  log_.Info("{}: user {} logged in to group {} (session {})", context.peer_ip, logged_user,
            state.group->name, session.id);
  Count(LoginOutcome::kOk);
  return LoginSuccess(session, state);
}

void AuthFront::LogBlocks(const AuthThrottle::FailureOutcome& outcome, std::string_view peer_ip,
                          std::string_view logged_user) {
  if (outcome.address_blocked) {
    log_.Warn("{}: too many failed logins; address blocked for {} s", peer_ip,
              SecondsRoundedUp(*outcome.address_blocked));
  }
  if (outcome.user_blocked) {
    log_.Warn("{}: too many failed logins for user {}; user blocked for {} s", peer_ip, logged_user,
              SecondsRoundedUp(*outcome.user_blocked));
  }
}

std::string AuthFront::NewLoginContext(const std::string& group, Instant now) {
  std::string cookie = registry_.CreateLoginContext(group, now);
  if (std::optional<std::string> evicted = context_cap_.Created(cookie)) {
    registry_.DropLoginContext(*evicted);
    if (auto suppressed = eviction_log_.Allow(now)) {
      log_.Warn(
          "{} logins in progress (limits.max_login_contexts); evicting the oldest ({} "
          "more evicted since the last such line)",
          context_cap_.max(), *suppressed);
    }
  }
  return cookie;
}

FrontReply AuthFront::LoginForm(const LoginState& state, std::string_view error, Instant now) {
  const GroupConfig& group = *state.group;
  auth::AuthRequest form;
  auth::Opaque opaque;
  opaque.tunnel_group = group.name;
  opaque.group_alias = GatewayConfig::LabelOf(group);
  opaque.auth_methods = {"single-sign-on-v2"};
  form.opaque = opaque;
  form.auth_id = "main";
  form.title = "Login";
  form.message = "Please enter your username and password.";
  if (!error.empty()) {
    form.error = std::string(error);
  }
  form.banner = config_.BannerOf(group);
  form.form_action = "/";
  form.inputs = {{"text", "username", "Username:", ""}, {"password", "password", "Password:", ""}};
  if (config_.groups.size() > 1 && !state.group_locked) {
    auth::GroupSelect select;
    select.name = "group_list";
    select.label = "GROUP:";
    for (const GroupConfig& candidate : config_.groups) {
      // Exactly one option is selected: the group in force (§3.4 gateway rules).
      select.options.push_back(
          {candidate.name, GatewayConfig::LabelOf(candidate), &candidate == state.group});
    }
    form.group_select = std::move(select);
  }
  form.aggregate_v2 = !state.legacy;

  FrontReply reply{XmlResponse(auth::BuildAuthRequest(form)), false};
  std::string context_cookie = state.context_cookie;
  if (context_cookie.empty()) {
    context_cookie = NewLoginContext(group.name, now);
  }
  reply.response.headers.push_back(
      {"Set-Cookie", http::BuildSetCookie(std::string(kContextCookie), context_cookie,
                                          static_cast<int>(config_.auth.cookie_timeout_s))});
  return reply;
}

FrontReply AuthFront::LoginSuccess(Session& session, const LoginState& state) {
  auth::AuthSuccess success;
  success.session_id = std::to_string(session.id);
  success.session_token = session.cookie;
  success.title = "SSL VPN Service";
  success.banner = config_.BannerOf(*state.group);
  success.server_cert_hash = server_cert_hash_;
  success.base_package_uri = std::string(kBasePackageUri);
  if (const ServedFile* profile = profiles_.ForGroup(state.group->name)) {
    auth::ManifestFile entry;
    entry.uri = profile->uri;
    entry.sha1_hex_upper = profile->sha1_hex_upper;
    success.profiles.push_back(std::move(entry));
  }
  for (const auto& download : profiles_.downloads()) {
    auth::CoreManifestFile entry;
    entry.version = "1.0";
    entry.id = download->name;
    entry.is_core = false;
    entry.type = "file";
    entry.action = "download";
    entry.uri = download->uri;
    entry.display_name = download->name;
    entry.sha1_hex_upper = download->sha1_hex_upper;
    success.core_files.push_back(std::move(entry));
  }
  FrontReply reply{XmlResponse(auth::BuildAuthComplete(success)), false};
  auto& headers = reply.response.headers;
  headers.push_back({"Set-Cookie", std::string(kContextCookie) +
                                       "=; expires=Thu, 01 Jan 1970 22:00:00 GMT; path=/; "
                                       "Secure; HttpOnly"});
  headers.push_back({"Set-Cookie", http::BuildSetCookie(std::string(kSessionCookie),
                                                        session.cookie.reveal(), std::nullopt)});
  // The legacy cookie carries the same facts for pre-aggregate clients (§2.4).
  std::string webvpnc = "bu:/&p:t&iu:1/&sh:" + server_cert_hash_;
  if (const ServedFile* profile = profiles_.ForGroup(state.group->name)) {
    webvpnc += "&fu:" + PercentEncode(profile->uri.substr(1)) + "&fh:" + profile->sha1_hex_upper;
  }
  headers.push_back({"Set-Cookie", "webvpnc=" + webvpnc + "; path=/; Secure; HttpOnly"});
  return reply;
}

FrontReply AuthFront::Refuse(std::string_view reason, const RequestContext& context) {
  log_.Info("{}: authentication refused: {}", context.peer_ip, reason);
  // 401 + close is what every client treats as final (§3.8, decision #6).
  return {PlainResponse(401, std::string(reason), "", ""), true};
}

FrontReply AuthFront::HandleLogout(const auth::ClientMessage& message,
                                   const http::HttpRequest& request,
                                   const RequestContext& context) {
  std::string token = message.session_token.reveal();
  if (token.empty()) {
    token = http::FindCookie(request, kSessionCookie).value_or("");
  }
  if (Session* session = registry_.FindByCookie(token, context.now)) {
    log_.Info("{}: user {} logged out (session {})", context.peer_ip, EscapeForLog(session->user),
              session->id);
    registry_.EndSession(session->id, "logout");
  }
  // Never fail a client for logging out (§3.13).
  return {XmlResponse(auth::BuildLogoutAck()), false};
}

FrontReply AuthFront::HandleGet(const http::HttpRequest& request, const RequestContext& context) {
  // Route on the decoded path: openconnect sends the profile path %2F-encoded (§4.1).
  const std::string decoded =
      PercentDecode(PathOf(request.target), false).value_or(std::string(PathOf(request.target)));
  std::string_view path = decoded;
  if (path.starts_with("/CACHE/") || path.starts_with("/1/") || path.starts_with("/+CSCOT+/") ||
      path.starts_with("/profiles")) {
    return HandleDownload(request, context);
  }
  if (path == "/logout") {
    return {PlainResponse(200, "OK", "text/html", ""), false};
  }
  if (!IsVpnClient(request)) {
    return {PlainResponse(200, "OK", "text/html; charset=utf-8", BrowserPage()), false};
  }
  // Legacy clients (and openconnect's fallback) open with GET and expect the form (§2.9).
  LoginState state;
  state.legacy = request.Find("X-Aggregate-Auth") == nullptr;
  state.group = GroupFromPath(request.target);
  state.group_locked = state.group != nullptr;
  state.group_chosen = state.group_locked;
  if (state.group == nullptr) {
    state.group = &registry_.DefaultGroup();
  }
  if (auto reply = TryCertificateLogin(state, context)) {
    return std::move(*reply);
  }
  return LoginForm(state, {}, context.now);
}

FrontReply AuthFront::HandleDownload(const http::HttpRequest& request,
                                     const RequestContext& context) {
  auto cookie = http::FindCookie(request, kSessionCookie);
  if (!cookie) {
    return {PlainResponse(503, "Service Unavailable", "text/plain", "no session cookie\n"), false};
  }
  Session* session = registry_.FindByCookie(*cookie, context.now);
  if (session == nullptr) {
    return {PlainResponse(401, "Cookie is not acceptable", "", ""), false};
  }
  if (const ServedFile* file = profiles_.ForPath(request.target)) {
    // Only the profile of the session's own group is served, and the downloads.
    if (profiles_.MayServe(*file, session->group)) {
      log_.Debug("{}: session {} downloads {}", context.peer_ip, session->id, file->uri);
      return {PlainResponse(200, "OK", file->every_group ? "application/octet-stream" : "text/xml",
                            file->content),
              false};
    }
  }
  const std::string decoded =
      PercentDecode(PathOf(request.target), false).value_or(std::string(PathOf(request.target)));
  std::string_view path = decoded;
  // The small set of package-area answers that keep Cisco's downloader from upgrading (§4.3).
  if (path.ends_with("/binaries/update.txt")) {
    return {PlainResponse(200, "OK", "text/plain", "0,0,0000\n"), false};
  }
  if (path.ends_with("/VPNManifest.xml")) {
    return {
        PlainResponse(200, "OK", "text/xml",
                      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vpn rev=\"1.0\">\n</vpn>\n"),
        false};
  }
  if (path.ends_with("/binaries/vpndownloader.sh")) {
    return {PlainResponse(200, "OK", "application/x-shellscript", "#!/bin/sh\nexit 0\n"), false};
  }
  for (std::string_view os :
       {"/Linux", "/Linux_64", "/Windows", "/Windows_ARM64", "/Darwin_i386", "/index.html"}) {
    if (path.ends_with(os)) {
      return {PlainResponse(200, "OK", "text/html", "<html></html>\n"), false};
    }
  }
  return {PlainResponse(404, "Not Found", "text/plain", "not found\n"), false};
}

std::string BrowserPage() {
  return "<!DOCTYPE html>\n<html><head><title>sekisho VPN gateway</title></head>\n"
         "<body><h1>sekisho VPN gateway</h1>\n"
         "<p>This is an AnyConnect-compatible VPN gateway. Connect with an AnyConnect client, "
         "openconnect or sekisho.</p></body></html>\n";
}

}  // namespace sekisho::gateway
