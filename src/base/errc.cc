#include "base/errc.h"

namespace sekisho {

std::string_view ErrcName(Errc code) {
  switch (code) {
    case Errc::kMalformed: return "malformed";
    case Errc::kIncomplete: return "incomplete";
    case Errc::kTooLarge: return "too-large";
    case Errc::kUnsupported: return "unsupported";
    case Errc::kProtocol: return "protocol";
    case Errc::kAuthFailed: return "auth-failed";
    case Errc::kNotFound: return "not-found";
    case Errc::kExhausted: return "exhausted";
    case Errc::kIo: return "io";
    case Errc::kTls: return "tls";
    case Errc::kTimeout: return "timeout";
    case Errc::kConfig: return "config";
    case Errc::kClosed: return "closed";
    case Errc::kWouldBlock: return "would-block";
    case Errc::kInvalidArgument: return "invalid-argument";
    case Errc::kPermission: return "permission";
    case Errc::kUntrusted: return "untrusted";
    case Errc::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace sekisho
