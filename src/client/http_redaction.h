#pragma once
// HTTP redaction for --dump-http-traffic: turns a request or response of the login, the
// downloader or CONNECT into printable text with every secret replaced by "[redacted]". Pure
// functions over gateway input (fuzzed: tests/fuzz/http_redaction); they never fail: input
// they do not understand is redacted more, not less.
//
// What counts as a secret:
//  * headers: Cookie and Set-Cookie (each cookie's value; names stay visible),
//    Authorization, Proxy-Authorization, and every header whose name contains "secret",
//    "token", "cookie", "password", "session-id" or "key" (X-DTLS-Master-Secret,
//    X-DTLS-Session-ID, X-AnyConnect-STRAP-*, ...), case-insensitively;
//  * XML bodies: the text of <session-token>, <session-id>, <opaque> (an ASA may keep login
//    state there) and of every element inside <auth> of a document the CLIENT sends (the
//    values of the form it answers), except <username>; in documents from the gateway the
//    elements named like a password (password, secondary_password, answer, passcode, token);
//  * form-urlencoded bodies (legacy login): every value except username and group_list;
//  * and, as a last net, any literal in `extra_secrets` (the password and cookie the caller
//    knows) wherever it still appears.
// Line breaks are kept; other control bytes are escaped by the caller (TerminalSafe).

#include "proto/http/message.h"

#include <string>
#include <string_view>
#include <vector>

namespace sekisho::client {

inline constexpr std::string_view kRedacted = "[redacted]";

// "> " lines: the request line, headers and body as sent.
std::string RedactedRequestDump(const proto::http::HttpRequest& request,
                                const std::vector<std::string>& extra_secrets);
// "< " lines: the status line, headers and body as received.
std::string RedactedResponseDump(const proto::http::HttpResponse& response,
                                 const std::vector<std::string>& extra_secrets);

// The building blocks, exposed for the tests and the fuzz target.
bool IsSecretHeader(std::string_view name);
std::string RedactHeaderValue(std::string_view name, std::string_view value);
// `from_client`: the body is one the client sends (its <auth> children are the user's input).
std::string RedactXmlBody(std::string_view body, bool from_client);
std::string RedactFormBody(std::string_view body);

}  // namespace sekisho::client
