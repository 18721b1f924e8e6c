#pragma once
// AuthDialogue: the client half of the AnyConnect login (anyconnect.md §2, §3), as a sans-I/O
// state machine in the spirit of openconnect's auth.c but without sockets, TLS or prompts.
// The caller owns the connection and the UI; the dialogue builds every request, reads every
// response and says what to do next:
//
//   AuthDialogue dialogue(options);               // starts in kSendRequest (new connection)
//   Step step{Step::kSendRequest, /*new_connection=*/true};
//   while (step.kind == Step::kSendRequest) {
//     if (step.new_connection) reconnect TLS;     // also reconnect when the previous response
//                                                 // was not keep-alive (HTTP/1.0, close)
//     send(SerializeRequest(dialogue.NextRequest()));
//     step = *dialogue.OnResponse(read_response());
//     if (step.kind == Step::kNeedInput) {        // show dialogue.form(), ask the user
//       dialogue.SubmitForm(values);
//       step = {Step::kSendRequest};
//     }
//   }
//   kSuccess → dialogue.result();  kFailed → step.message (and step.code)
//
// States (XML = aggregate-auth POSTs, LEGACY = GET then form-encoded POSTs, §3.11):
//
//   XML:init ──200 auth-request──► form ──(group differs, once)──► XML:init+group-select
//      │                            │                                     │
//      │ HTTP error ≠401/403,       ├─ needs input ─► kNeedInput ─► SubmitForm ─► auth-reply
//      │ non-XML, no <auth>,        ├─ auth id=success ─► kSuccess
//      │ same-host redirect         └─ 401/403, terminal <error> ─► kFailed
//      ▼
//   LEGACY:GET (new connection) ─► form ─► kNeedInput ─► form-encoded POST ─► ... kSuccess
//
// Rules implemented (decisions of anyconnect.md §14.2):
//  * #2 group selection: on the first auth-request carrying a `group_list` select, if
//    options.authgroup matches an option (its value or its label, case-insensitive) whose
//    value differs from the gateway's default (the selected option, else the first), the
//    dialogue sends a second `init` with <group-select> = that value to the form action
//    instead of answering; otherwise it answers the form directly. Only once per dialogue.
//    Every later reply to a form that has a group_list carries <group-select> = the group in
//    use. An authgroup that matches no option → kFailed listing the offered groups.
//  * #3 forms are generic: any number of forms, any field names.
//  * #4 the cookie comes from <session-token>, else from Set-Cookie webvpn; the XML wins.
//  * The form `action` becomes the next POST target; <group-access> is the full URL of the
//    current POST target; the gateway's <opaque> is echoed verbatim.
//  * Retry: a form with <error>, or a message starting "Login failed" (ocserv), is returned
//    as kNeedInput again with step.retry = true and step.message = the error text.
//  * Redirects (anyconnect.md §2.7): a 3xx Location with another host or port (ASA load
//    balancing / cluster redirect) → the login starts over there: kSendRequest with
//    new_connection and host_changed set, url() is the new gateway (connect to it, checking its
//    certificate for the new name), the cookie jar is emptied (its cookies belong to the old
//    host, as openconnect does), and a fresh init (legacy: GET) goes to the new URL carrying the
//    group in use, if any. Same host: in XML mode the dialogue falls back to legacy at that
//    path; in legacy mode it GETs it. A Location that is not https (http://, ftp://, ...) →
//    kFailed kUntrusted; more than kMaxRedirects redirects → kFailed kExhausted (a loop).
//    A form action on another host is still refused (kUnsupported): only redirects move.
//  * <client-cert-request/>: when options.have_client_certificate and this is the first
//    request, restart with init on a new connection (the caller presents the certificate);
//    otherwise kFailed "the gateway requires a client certificate".
//  * At most kMaxRounds responses per dialogue (retries and redirects included), then kFailed
//    with code kExhausted.
//
// Secrets: filled values and cookies are SecretString; this class never logs.
// Not thread-safe. The dialogue is single-use: after kSuccess or kFailed make a new one.

#include "base/errc.h"
#include "base/redacted.h"
#include "base/result.h"
#include "client/cookie_jar.h"
#include "proto/auth/client_builder.h"
#include "proto/auth/server_message.h"
#include "proto/http/message.h"
#include "proto/http/url.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sekisho::client {

// openconnect's agent string shape with our version: proven with ocserv, which keys a few
// quirks on "Open AnyConnect VPN Agent v3" (legacy XML) and "AnyConnect" (Cisco client).
inline constexpr std::string_view kDefaultUserAgent = "Open AnyConnect VPN Agent v9.01-sekisho";

struct DialogueOptions {
  proto::http::Url url;                  // the URL the user gave (its path selects a group URL)
  std::optional<std::string> authgroup;  // --authgroup: option value or label
  proto::auth::ClientIdentity identity;  // <version>, <device-id>, <capabilities>
  std::string user_agent = std::string(kDefaultUserAgent);
  bool xml_post = true;                  // false = start in legacy mode (--no-xmlpost)
  bool have_client_certificate = false;  // the caller can present a TLS client certificate
};

// What the caller must do next.
struct Step {
  enum Kind {
    kSendRequest,  // send NextRequest(); reconnect first when new_connection
    kNeedInput,    // show form(), collect values, call SubmitForm()
    kSuccess,      // logged in: result()
    kFailed,       // stop: message says why
  };
  Kind kind = kSendRequest;
  bool new_connection = false;  // kSendRequest: open a fresh TLS connection first
  bool retry = false;           // kNeedInput: the gateway rejected the previous answer
  // kSendRequest: the gateway redirected the login to another host; AuthDialogue::url() is
  // the new gateway and `message` says where ("https://host2/"). Implies new_connection.
  bool host_changed = false;
  // kFailed: a user-facing reason ("authentication failed (HTTP 401 Authentication failed)",
  // "unknown group 'x'; the gateway offers: a, b", ...). kNeedInput with retry: the
  // gateway's error text. Never contains a secret.
  std::string message;
  // kFailed: kAuthFailed (credentials refused, 401/403, terminal <error>), kNotFound
  // (unknown authgroup), kUnsupported (form action on another host, client certificate needed,
  // SSO), kUntrusted (redirect to a URL that is not https), kProtocol (unusable answer),
  // kExhausted (too many rounds or redirects).
  Errc code = Errc::kInternal;
};

// The outcome of a successful login.
struct AuthResult {
  SecretString cookie;     // the webvpn value to present on CONNECT (decision #4)
  std::string session_id;  // <session-id> (ASA); empty with ocserv
  // SHA-1 of the gateway certificate (hex, as sent): <server-cert-hash>, else the `sh:` field
  // of ocserv's webvpnc cookie; empty when the gateway announced none.
  std::string server_cert_hash;
  std::string banner;  // show it (and ask to accept it when interactive)
  std::string message;
  // The user profiles to download (§4): the vpn-profile-manifest of the success document;
  // when it has none, the webvpnc cookie's bu+fu with hash fh (ocserv). URIs as sent.
  std::vector<proto::auth::ProfileEntry> profiles;
  // Files of the vpn-core-manifest (§4.2). Those with a SHA-1 (sekishod's [downloads]) are
  // fetched like profiles; Cisco's packages carry none and are never fetched.
  std::vector<proto::auth::ProfileEntry> core_files;
  std::string base_package_uri;
  std::vector<std::string> groups_offered;  // values of the first group list seen, in order
  std::string group_used;                   // the group_list value sent; empty if none
};

// The values the user typed: field name → value. Fields of form() not listed keep their
// prefilled value (hidden fields, select defaults, prefilled text); the group_list select is
// always decided by the dialogue (authgroup or the gateway default) and a value given for it
// here is ignored.
using FilledValues = std::vector<std::pair<std::string, SecretString>>;

class AuthDialogue {
 public:
  static constexpr std::size_t kMaxRounds = 16;
  // openconnect follows at most 10 redirects (anyconnect.md §2.7).
  static constexpr std::size_t kMaxRedirects = 10;

  explicit AuthDialogue(DialogueOptions options);

  // The next request, fully built: method, target, and headers in openconnect 9.01's order
  // (§2.2): Host, User-Agent, Cookie (when the jar is not empty), Accept: */*,
  // Accept-Encoding: identity, X-Transcend-Version: 1, X-Aggregate-Auth: 1 (XML mode only),
  // X-Pad (64*(1+n/64)-n zeros for body length n), Content-Type (application/xml;
  // charset=utf-8, or application/x-www-form-urlencoded in legacy mode, even on the empty
  // GET), Content-Length; then the body. No STRAP headers, no X-Support-HTTP-Auth, no
  // X-AnyConnect-Platform. Serialize with proto::http::SerializeRequest.
  // REQUIRES: the last step was kSendRequest (or nothing yet).
  proto::http::HttpRequest NextRequest() const;

  // Feeds the complete response to the last NextRequest(). Applies every Set-Cookie to the
  // jar, then decides the next step (see the rules above). Peer-caused failures are a
  // kFailed step, never an error.
  // Errors: kInvalidArgument when no request is outstanding (a caller bug).
  Result<Step> OnResponse(const proto::http::HttpResponse& response);

  // The form to show. REQUIRES: the last step was kNeedInput. Its group_list select, if any,
  // has `value` = the group in use; hidden fields carry their values.
  const proto::auth::AuthForm& form() const { return form_; }

  // Answers the current form; the next step is kSendRequest (same connection).
  // REQUIRES: the last step was kNeedInput (otherwise ignored).
  void SubmitForm(FilledValues values);

  // REQUIRES: the last step was kSuccess.
  const AuthResult& result() const { return result_; }

  // The group_list options of the first group form seen (what the CLI prints); empty until
  // then or when the gateway has no group list.
  const std::vector<proto::auth::SelectOption>& groups_offered() const { return groups_; }

  // The gateway the dialogue talks to: options.url until a redirect to another host. The
  // caller connects there (Step::host_changed) and keeps using it after the login (downloader,
  // CONNECT, reconnects, the preferences key).
  const proto::http::Url& url() const { return options_.url; }

  // True while the aggregate-auth XML protocol is in use; false after the legacy fallback.
  bool xml_mode() const { return xml_mode_; }

  // The cookies collected so far (webvpncontext, webvpn, webvpnc, ...). The caller uses them
  // for the downloader GETs after kSuccess; CONNECT sends only webvpn (§2.1).
  const CookieJar& cookies() const { return jar_; }
  CookieJar& mutable_cookies() { return jar_; }

  // A GET of `target` (a path, e.g. a profile URI) with the same headers as NextRequest()
  // (cookies from the jar, X-Aggregate-Auth in XML mode, no body headers): the downloader's
  // request (§4.1).
  proto::http::HttpRequest BuildGet(std::string_view target) const;

 private:
  enum class Pending { kNone, kInit, kLegacyGet, kReply };

  Step Stop(Errc code, std::string message);
  Step SendNext(bool new_connection);
  // The dialogue's first request again, to `target`: an init POST (or the legacy GET).
  void RestartAt(std::string target);
  Step OnAuthMessage(proto::auth::ServerMessage message, const proto::http::HttpResponse& resp);
  Step OnForm(proto::auth::ServerMessage message);
  Step OnComplete(const proto::auth::ServerMessage& message);
  Step StartLegacy(std::string target);
  Step OnRedirect(std::string_view location);
  Step MoveToHost(proto::http::Url url);
  Result<std::string> ResolveTarget(std::string_view reference) const;
  void BuildReply(const FilledValues& values);
  proto::http::HttpRequest BuildRequest(std::string_view method, std::string_view target,
                                        std::string body) const;
  std::string FullUrl(std::string_view target) const;

  DialogueOptions options_;
  CookieJar jar_;
  bool xml_mode_ = true;
  Pending pending_ = Pending::kNone;
  bool awaiting_input_ = false;
  bool done_ = false;
  bool first_response_ = true;  // the next response answers the dialogue's first request
  bool group_init_sent_ = false;
  bool cert_retry_done_ = false;
  std::size_t rounds_ = 0;
  std::size_t redirects_ = 0;

  // The request to send next.
  std::string method_ = "POST";
  std::string target_;
  SecretString body_;  // auth-reply bodies carry passwords

  proto::auth::AuthForm form_;
  std::string form_target_;  // where the answer to form_ goes (its action, resolved)
  std::string opaque_xml_;
  std::optional<std::string> group_;  // the group_list value in use
  std::vector<proto::auth::SelectOption> groups_;
  AuthResult result_;
};

}  // namespace sekisho::client
