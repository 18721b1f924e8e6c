#include "client/http_dump.h"

#include "client/http_redaction.h"
#include "client/terminal_text.h"

#include <cstdio>
#include <vector>

namespace sekisho::client {
namespace {

bool g_enabled = false;
std::vector<std::string>& Secrets() {
  static std::vector<std::string> secrets;
  return secrets;
}

void Print(const std::string& text) {
  std::string safe = TerminalSafe(text, LineBreaks::kKeep);
  std::fwrite(safe.data(), 1, safe.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void EnableHttpDump(bool enabled) { g_enabled = enabled; }
bool HttpDumpEnabled() { return g_enabled; }

void AddHttpDumpSecret(const std::string& value) {
  if (!value.empty()) {
    Secrets().push_back(value);
  }
}

void DumpHttpRequest(const proto::http::HttpRequest& request) {
  if (g_enabled) {
    Print(RedactedRequestDump(request, Secrets()));
  }
}

void DumpHttpResponse(const proto::http::HttpResponse& response) {
  if (g_enabled) {
    Print(RedactedResponseDump(response, Secrets()));
  }
}

}  // namespace sekisho::client
