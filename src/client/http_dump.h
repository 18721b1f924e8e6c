#pragma once
// --dump-http-traffic: every HTTP request and response of the login, the downloader and
// CONNECT printed on stderr as it passes through HttpsSession, with every secret replaced by
// "[redacted]" (the rules are in http_redaction.h). Besides the structural rules, literal
// values the flow knows to be secret (typed passwords, the cookie) are scrubbed wherever they
// still appear.
//
// Thread affinity: the flow's thread (the HTTP exchanges all run there).

#include "proto/http/message.h"

#include <string>

namespace sekisho::client {

void EnableHttpDump(bool enabled);
bool HttpDumpEnabled();

// A value that must never be printed by the dump (empty values are ignored).
void AddHttpDumpSecret(const std::string& value);

// Print one exchange half; no-ops unless enabled.
void DumpHttpRequest(const proto::http::HttpRequest& request);
void DumpHttpResponse(const proto::http::HttpResponse& response);

}  // namespace sekisho::client
