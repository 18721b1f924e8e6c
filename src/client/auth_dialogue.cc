#include "client/auth_dialogue.h"

#include "base/strings.h"
#include "client/terminal_text.h"

#include <algorithm>

namespace sekisho::client {
namespace {

namespace auth = proto::auth;
namespace http = proto::http;

constexpr std::string_view kGroupListName = "group_list";

// openconnect pads every auth body to hide credential lengths: 1..64 zeros, so that
// padding + body reaches the next multiple of 64 (anyconnect.md §2.2; 370-byte body → 14).
std::string XPad(std::size_t body_size) {
  return std::string(64 * (1 + body_size / 64) - body_size, '0');
}

bool IsGroupList(const auth::FormField& field) {
  return field.kind == auth::FormField::kSelect && field.name == kGroupListName;
}

bool NeedsUser(const auth::FormField& field) {
  return field.kind == auth::FormField::kText || field.kind == auth::FormField::kPassword;
}

std::string DescribeGroups(const std::vector<auth::SelectOption>& options) {
  std::string out;
  for (const auto& option : options) {
    if (!out.empty()) {
      out += ", ";
    }
    out += option.value;
    if (!option.label.empty() && option.label != option.value) {
      out += " (" + option.label + ")";
    }
  }
  return out.empty() ? std::string("none") : out;
}

// ocserv's webvpnc cookie: "bu:/&p:t&iu:1/&sh:<HASH>&...&fu:<profile>&fh:<HASH>" (§2.4).
// The values are %-encoded where needed, so '&' only separates fields.
std::optional<std::string> WebvpncField(std::string_view cookie, std::string_view key) {
  for (std::string_view part : Split(cookie, '&', /*skip_empty=*/true)) {
    const std::size_t colon = part.find(':');
    if (colon != std::string_view::npos && part.substr(0, colon) == key) {
      return std::string(part.substr(colon + 1));
    }
  }
  return std::nullopt;
}

std::string_view StripQuery(std::string_view target) { return target.substr(0, target.find('?')); }

// The scheme of an absolute URI reference (RFC 3986 §3.1: ALPHA *(ALPHA / DIGIT / "+" / "-" /
// ".") followed by ':'), or nullopt for a relative reference ("/path", "page.html").
std::optional<std::string_view> UriScheme(std::string_view reference) {
  const std::size_t colon = reference.find(':');
  if (colon == 0 || colon == std::string_view::npos || reference.find_first_of("/?#") < colon) {
    return std::nullopt;
  }
  const std::string_view scheme = reference.substr(0, colon);
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(scheme.front()) || !std::all_of(scheme.begin(), scheme.end(), [&](char c) {
        return alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
      })) {
    return std::nullopt;
  }
  return scheme;
}

}  // namespace

AuthDialogue::AuthDialogue(DialogueOptions options)
    : options_(std::move(options)), xml_mode_(options_.xml_post) {
  target_ = options_.url.path.empty() ? std::string("/") : options_.url.path;
  if (xml_mode_) {
    method_ = "POST";
    body_ = SecretString(auth::BuildInit(options_.identity, FullUrl(target_), std::nullopt));
    pending_ = Pending::kInit;
  } else {
    method_ = "GET";
    pending_ = Pending::kLegacyGet;
  }
}

http::HttpRequest AuthDialogue::NextRequest() const {
  return BuildRequest(method_, target_, body_.reveal());
}

http::HttpRequest AuthDialogue::BuildGet(std::string_view target) const {
  http::HttpRequest request;
  request.method = "GET";
  request.target = std::string(target);
  auto& h = request.headers;
  h.push_back({"Host", http::HostHeader(options_.url)});
  h.push_back({"User-Agent", options_.user_agent});
  if (!jar_.empty()) {
    h.push_back({"Cookie", jar_.HeaderValue()});
  }
  h.push_back({"Accept", "*/*"});
  h.push_back({"Accept-Encoding", "identity"});
  h.push_back({"X-Transcend-Version", "1"});
  if (xml_mode_) {
    h.push_back({"X-Aggregate-Auth", "1"});
  }
  return request;
}

http::HttpRequest AuthDialogue::BuildRequest(std::string_view method, std::string_view target,
                                             std::string body) const {
  http::HttpRequest request = BuildGet(target);
  request.method = std::string(method);
  auto& h = request.headers;
  // openconnect sets a body type on every auth request, the legacy GET included, and then
  // always sends X-Pad, Content-Type and Content-Length (0 on the GET) [LIVE legacy trace].
  h.push_back({"X-Pad", XPad(body.size())});
  h.push_back({"Content-Type",
               xml_mode_ ? "application/xml; charset=utf-8" : "application/x-www-form-urlencoded"});
  h.push_back({"Content-Length", std::to_string(body.size())});
  request.body = std::move(body);
  return request;
}

std::string AuthDialogue::FullUrl(std::string_view target) const {
  http::Url url = options_.url;
  url.path = std::string(target);
  return url.ToString();
}

Result<std::string> AuthDialogue::ResolveTarget(std::string_view reference) const {
  if (reference.empty()) {
    return std::string("/");
  }
  if (reference.find("://") != std::string_view::npos) {
    auto url = http::ParseUrl(reference);
    if (!url) {
      return Fail(Errc::kUnsupported,
                  "the gateway sent an unusable URL: " + TerminalSafe(reference));
    }
    if (!EqualsIgnoreCase(url->host, options_.url.host) || url->port != options_.url.port) {
      return Fail(Errc::kUnsupported, "the gateway's login form posts to another server, " +
                                          url->ToString() + "; sekisho does not follow that");
    }
    return url->path;
  }
  if (reference.front() == '/') {
    return std::string(reference);
  }
  // Relative: against the directory of the current target (RFC 3986 merge, no dot removal).
  std::string_view base = StripQuery(target_);
  const std::size_t slash = base.rfind('/');
  std::string out(slash == std::string_view::npos ? std::string_view("/")
                                                  : base.substr(0, slash + 1));
  out += reference;
  return out;
}

Step AuthDialogue::Stop(Errc code, std::string message) {
  done_ = true;
  pending_ = Pending::kNone;
  awaiting_input_ = false;
  Step step;
  step.kind = Step::kFailed;
  step.code = code;
  step.message = std::move(message);
  return step;
}

void AuthDialogue::RestartAt(std::string target) {
  target_ = std::move(target);
  if (xml_mode_) {
    method_ = "POST";
    body_ = SecretString(auth::BuildInit(options_.identity, FullUrl(target_), group_));
    pending_ = Pending::kInit;
  } else {
    method_ = "GET";
    body_ = SecretString();
    pending_ = Pending::kLegacyGet;
  }
}

Step AuthDialogue::SendNext(bool new_connection) {
  Step step;
  step.kind = Step::kSendRequest;
  step.new_connection = new_connection;
  return step;
}

Step AuthDialogue::StartLegacy(std::string target) {
  // §3.11: a gateway without aggregate auth. Start over with a GET on a fresh connection
  // (openconnect reconnects too), forms then go out form-encoded.
  xml_mode_ = false;
  method_ = "GET";
  target_ = std::move(target);
  body_ = SecretString();
  opaque_xml_.clear();
  pending_ = Pending::kLegacyGet;
  return SendNext(/*new_connection=*/true);
}

Step AuthDialogue::OnRedirect(std::string_view location) {
  if (++redirects_ > kMaxRedirects) {
    return Stop(Errc::kExhausted, "the gateway redirected the login more than " +
                                      std::to_string(kMaxRedirects) + " times (last to " +
                                      TerminalSafe(location) + "); giving up");
  }
  // A scheme-relative reference ("//host/path") keeps the scheme in use, https.
  const std::string absolute =
      location.starts_with("//") ? "https:" + std::string(location) : std::string(location);
  std::string target;
  if (const auto scheme = UriScheme(absolute)) {
    // Only https: a redirect to plain http would send the login (and the cookies) in clear.
    if (!EqualsIgnoreCase(*scheme, "https")) {
      return Stop(Errc::kUntrusted,
                  "refusing to follow the gateway's redirect to a URL that is not https: " +
                      TerminalSafe(location));
    }
    auto url = http::ParseUrl(absolute);
    if (!url) {
      return Stop(Errc::kProtocol,
                  "the gateway redirected to an unusable URL: " + TerminalSafe(location));
    }
    if (!EqualsIgnoreCase(url->host, options_.url.host) || url->port != options_.url.port) {
      return MoveToHost(std::move(*url));
    }
    target = url->path;
  } else {
    auto resolved = ResolveTarget(location);
    if (!resolved) {
      return Stop(resolved.error().code, resolved.error().context);
    }
    target = std::move(*resolved);
  }
  if (xml_mode_) {
    // openconnect: a local redirect ends aggregate auth; continue in legacy mode there.
    return StartLegacy(std::move(target));
  }
  method_ = "GET";
  target_ = std::move(target);
  body_ = SecretString();
  pending_ = Pending::kLegacyGet;
  return SendNext(false);
}

Step AuthDialogue::MoveToHost(http::Url url) {
  // anyconnect.md §2.7: a new host means a new connection, no cookies of the old host, and
  // the login from the start (a fresh init, or the legacy GET) at the new URL.
  options_.url = std::move(url);
  jar_.Clear();
  form_ = auth::AuthForm();
  opaque_xml_.clear();
  first_response_ = true;  // the new gateway may still need the legacy fallback
  xml_mode_ = options_.xml_post;
  group_init_sent_ = false;
  cert_retry_done_ = false;
  // The group chosen on the first gateway goes along (cluster members share the groups).
  RestartAt(options_.url.path.empty() ? std::string("/") : options_.url.path);
  Step step = SendNext(/*new_connection=*/true);
  step.host_changed = true;
  step.message = options_.url.ToString();
  return step;
}

Result<Step> AuthDialogue::OnResponse(const http::HttpResponse& response) {
  if (done_ || pending_ == Pending::kNone) {
    return Fail(Errc::kInvalidArgument, "OnResponse without an outstanding request");
  }
  const Pending pending = pending_;
  pending_ = Pending::kNone;
  const bool first = first_response_;
  first_response_ = false;
  if (++rounds_ > kMaxRounds) {
    return Stop(Errc::kExhausted, "login did not finish after " + std::to_string(kMaxRounds) +
                                      " exchanges with the gateway");
  }
  jar_.ApplyResponse(response);

  const unsigned status = response.status;
  if (status >= 300 && status < 400 && response.Find("Location") != nullptr) {
    return OnRedirect(TrimWhitespace(*response.Find("Location")));
  }
  if (status == 401 || status == 403) {
    std::string message = "authentication failed (HTTP " + std::to_string(status);
    if (!response.reason.empty()) {
      message += " " + response.reason;
    }
    return Stop(Errc::kAuthFailed, message + ")");
  }
  const bool may_fall_back = xml_mode_ && pending == Pending::kInit && first;
  if (status != 200) {
    if (may_fall_back) {
      return StartLegacy(options_.url.path);
    }
    return Stop(Errc::kProtocol,
                "the gateway answered HTTP " + std::to_string(status) + " " + response.reason);
  }
  auto message = auth::ParseServerMessage(response.body);
  if (!message) {
    if (may_fall_back) {
      return StartLegacy(options_.url.path);
    }
    return Stop(Errc::kProtocol, "unusable answer from the gateway: " + message.error().context);
  }
  return OnAuthMessage(std::move(*message), response);
}

Step AuthDialogue::OnAuthMessage(auth::ServerMessage message, const http::HttpResponse&) {
  switch (message.type) {
    case auth::ServerMessage::kComplete: return OnComplete(message);
    case auth::ServerMessage::kError:
      return Stop(Errc::kAuthFailed, message.error_text.empty()
                                         ? std::string("authentication failed")
                                         : "authentication failed: " + message.error_text);
    case auth::ServerMessage::kAuthRequest: break;
  }
  if (message.client_cert_request) {
    if (options_.have_client_certificate && !cert_retry_done_) {
      // §3.9: reconnect presenting the certificate and start again.
      cert_retry_done_ = true;
      RestartAt(options_.url.path);
      return SendNext(/*new_connection=*/true);
    }
    return Stop(Errc::kUnsupported,
                options_.have_client_certificate
                    ? "the gateway did not accept the client certificate"
                    : "the gateway requires a client certificate (use --certificate)");
  }
  if (!message.form) {
    return Stop(Errc::kProtocol, "the gateway sent no login form");
  }
  return OnForm(std::move(message));
}

Step AuthDialogue::OnForm(auth::ServerMessage message) {
  form_ = std::move(*message.form);
  opaque_xml_ = std::move(message.opaque_xml);
  auto target = ResolveTarget(form_.action);
  if (!target) {
    return Stop(Errc::kUnsupported, target.error().context);
  }
  form_target_ = std::move(*target);

  for (auto& field : form_.fields) {
    if (field.kind == auth::FormField::kSso) {
      return Stop(Errc::kUnsupported,
                  "the gateway asks for single sign-on, which sekisho does "
                  "not support yet");
    }
  }

  auto group_field = std::find_if(form_.fields.begin(), form_.fields.end(), IsGroupList);
  if (group_field != form_.fields.end()) {
    const auto& options = group_field->options;
    if (groups_.empty()) {
      groups_ = options;
    }
    auto has_value = [&](std::string_view value) {
      return std::any_of(options.begin(), options.end(),
                         [&](const auto& o) { return o.value == value; });
    };
    std::string default_value = group_field->value;
    if (default_value.empty() && !options.empty()) {
      default_value = options.front().value;
    }
    if (!group_ || !has_value(*group_)) {
      if (options_.authgroup) {
        auto match = std::find_if(options.begin(), options.end(), [&](const auto& o) {
          return EqualsIgnoreCase(o.value, *options_.authgroup) ||
                 EqualsIgnoreCase(o.label, *options_.authgroup);
        });
        if (match == options.end()) {
          return Stop(Errc::kNotFound, "unknown group '" + *options_.authgroup +
                                           "'; the gateway offers: " + DescribeGroups(options));
        }
        group_ = match->value;
        if (*group_ != default_value && xml_mode_ && !group_init_sent_) {
          // Decision #2: a second init only when the choice differs from the gateway's
          // default, so the gateway can answer with that group's form.
          group_init_sent_ = true;
          method_ = "POST";
          target_ = form_target_;
          body_ = SecretString(auth::BuildInit(options_.identity, FullUrl(target_), *group_));
          pending_ = Pending::kInit;
          return SendNext(false);
        }
      } else {
        group_ = default_value;
      }
    }
    group_field->value = *group_;
  }

  Step step;
  step.kind = Step::kNeedInput;
  // ASA retry forms carry <error>; ocserv only rewrites the message ("Login failed.\n...").
  step.retry = !form_.error.empty() || StartsWithIgnoreCase(form_.message, "Login failed");
  if (step.retry) {
    step.message = form_.error.empty() ? form_.message : form_.error;
  }
  const bool ask = std::any_of(form_.fields.begin(), form_.fields.end(), NeedsUser);
  if (form_.authentication_complete || !ask) {
    // Nothing for the user to type (openconnect posts such forms without asking).
    BuildReply({});
    return SendNext(false);
  }
  awaiting_input_ = true;
  return step;
}

void AuthDialogue::SubmitForm(FilledValues values) {
  if (!awaiting_input_ || done_) {
    return;
  }
  awaiting_input_ = false;
  BuildReply(values);
}

void AuthDialogue::BuildReply(const FilledValues& values) {
  auto lookup = [&](const auth::FormField& field) -> SecretString {
    for (const auto& [name, value] : values) {
      if (name == field.name) {
        return value;
      }
    }
    return SecretString(field.value);
  };
  bool has_group_list = false;
  std::vector<std::pair<std::string, SecretString>> fields;
  for (const auto& field : form_.fields) {
    if (IsGroupList(field)) {
      has_group_list = true;
      continue;
    }
    std::string name = field.name;
    if (xml_mode_) {
      // openconnect's XML replies: challenge-style fields answer as <password>, and the
      // confirmation copies are dropped (anyconnect.md §3.1). ASAs expect exactly that.
      if (name == "answer" || name == "whichpin" || name == "new_password") {
        name = "password";
      } else if (name == "verify_pin" || name == "verify_password") {
        continue;
      }
    }
    fields.emplace_back(std::move(name), lookup(field));
  }
  method_ = "POST";
  target_ = form_target_;
  pending_ = Pending::kReply;
  if (xml_mode_) {
    std::optional<std::string_view> group_select;
    if (has_group_list && group_) {
      group_select = *group_;
    }
    body_ =
        SecretString(auth::BuildAuthReply(options_.identity, opaque_xml_, fields, group_select));
    return;
  }
  std::vector<std::pair<std::string, std::string>> plain;
  plain.reserve(fields.size() + 1);
  if (has_group_list && group_) {
    plain.emplace_back(std::string(kGroupListName), *group_);
  }
  for (auto& [name, value] : fields) {
    plain.emplace_back(name, value.reveal());
  }
  body_ = SecretString(auth::BuildLegacyFormBody(plain));
}

Step AuthDialogue::OnComplete(const auth::ServerMessage& message) {
  // Decision #4: <session-token> wins over Set-Cookie webvpn.
  SecretString cookie = message.session_token;
  if (cookie.empty()) {
    if (const SecretString* webvpn = jar_.Get("webvpn")) {
      cookie = *webvpn;
    }
  }
  if (cookie.empty()) {
    return Stop(Errc::kProtocol, "the gateway reported success but sent no session cookie");
  }
  // The cookie goes into Cookie: headers and, with --cookieonly, onto stdout for a script: a
  // control character in it could split a header or a terminal line.
  if (HasControlCharacters(cookie.reveal())) {
    return Stop(Errc::kProtocol, "the gateway's session cookie contains control characters");
  }
  // openconnect installs the token as the webvpn cookie for the downloader and CONNECT.
  jar_.Set("webvpn", cookie);

  AuthResult result;
  result.cookie = std::move(cookie);
  result.session_id = message.session_id;
  result.server_cert_hash = message.server_cert_hash;
  result.banner = message.banner;
  if (result.banner.empty() && message.form) {
    result.banner = message.form->banner;
  }
  result.message = message.message;
  if (result.message.empty() && message.form) {
    result.message = message.form->message;
  }
  result.base_package_uri = message.base_package_uri;
  result.profiles = message.profiles;
  result.core_files = message.core_files;
  // ocserv (and legacy ASAs) also describe the gateway in the webvpnc cookie; use it for
  // whatever the XML left out (the ocserv success document has no server-cert-hash).
  if (const SecretString* webvpnc = jar_.Get("webvpnc")) {
    const std::string& value = webvpnc->reveal();
    if (result.server_cert_hash.empty()) {
      result.server_cert_hash = WebvpncField(value, "sh").value_or("");
    }
    if (result.profiles.empty()) {
      auto bu = WebvpncField(value, "bu");
      auto fu = WebvpncField(value, "fu");
      auto fh = WebvpncField(value, "fh");
      if (bu && fu && fh && !fu->empty()) {
        result.profiles.push_back(auth::ProfileEntry{*bu + *fu, *fh});
      }
    }
  }
  for (const auto& option : groups_) {
    result.groups_offered.push_back(option.value);
  }
  result.group_used = group_.value_or("");
  result_ = std::move(result);
  done_ = true;
  Step step;
  step.kind = Step::kSuccess;
  return step;
}

}  // namespace sekisho::client
