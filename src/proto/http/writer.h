#pragma once
// HTTP/1.1 message serialization. Header order and spelling are kept exactly as given,
// because AnyConnect peers match X-CSTP-* names case-sensitively (anyconnect.md §6.2).
//
// Content-Length is managed here: an existing Content-Length header keeps its position but
// gets the real body size; otherwise one is appended after the given headers (where
// openconnect puts it). Transfer-Encoding is never produced.
//
// CR, LF and NUL inside names, values or the reason are replaced by spaces, and spaces and
// control characters in the request target are percent-encoded, so a value derived from peer
// input can never start a new header line.

#include "proto/http/message.h"

#include <string>

namespace sekisho::proto::http {

// "METHOD target HTTP/1.x\r\n" + headers + "\r\n" + body. Adds Content-Length when the body
// is non-empty or the method is POST (a POST always says its length, even 0).
std::string SerializeRequest(const HttpRequest& request);

// "HTTP/1.x status reason\r\n" + headers + "\r\n" + body. Always carries Content-Length (0 for
// an empty body) so the client can reuse the connection, except for 1xx, 204 and 304. An empty
// reason is replaced by the standard phrase for the status.
std::string SerializeResponse(const HttpResponse& response);

// The head of a successful CONNECT response: no Content-Length (any given one is dropped) and
// no body; the CSTP frames follow the blank line. Send it flushed in its own TLS write so the
// first frame starts a new record (anyconnect.md §1.3). The body of `response` is ignored.
std::string SerializeConnectResponse(const HttpResponse& response);

// "OK", "Found", "Unauthorized", ...; "Unknown" for unlisted codes.
const char* ReasonPhrase(unsigned status);

}  // namespace sekisho::proto::http
