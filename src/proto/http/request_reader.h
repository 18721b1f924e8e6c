#pragma once
// RequestReader: the server side of an HTTP/1.1 connection, incremental and sans-I/O.
//
// Feed it bytes as they arrive (any split, one byte at a time works). When done(), Take() the
// request, then Reset() for the next one on a keep-alive connection. Bytes after the end of a
// request are reported as not consumed, so the caller re-feeds them (pipelining) or, after a
// CONNECT, hands them to the CSTP layer:
//
//   RequestReader reader;
//   SEKISHO_ASSIGN_OR_RETURN(size_t n, reader.Feed(in));
//   if (reader.done()) { HttpRequest req = reader.Take(); reader.Reset(); in = in.subspan(n); }
//
// Message rules:
//   * A request has a body only with Content-Length (RFC 9112 §6.3). CONNECT therefore ends at
//     the blank line and the following bytes are CSTP frames, not part of the request.
//   * A GET with "Content-Length: 0" and body headers is accepted (openconnect legacy mode).
//   * Transfer-Encoding on a request is refused with kUnsupported: no AnyConnect client sends
//     it, and refusing it removes Content-Length/Transfer-Encoding smuggling.
//   * HTTP/1.0 and HTTP/1.1 only.
//
// Not thread-safe; one reader per connection.

#include "base/bytes.h"
#include "base/result.h"
#include "proto/http/limits.h"
#include "proto/http/message.h"

#include <cstddef>
#include <memory>

namespace sekisho::proto::http {

namespace internal {
template <bool kIsRequest>
class ReaderCore;
}  // namespace internal

class RequestReader {
 public:
  using Limits = http::Limits;

  explicit RequestReader(Limits limits = Limits{});
  ~RequestReader();
  RequestReader(RequestReader&&) noexcept;
  RequestReader& operator=(RequestReader&&) noexcept;

  // Consumes bytes of the current request and returns how many were consumed: all of `data`
  // while the request is incomplete, fewer when the request ends inside `data`, 0 once done().
  // Errors (sticky until Reset(); answer 400/413 if appropriate and close the connection):
  //   kMalformed   bad request line, header syntax, Content-Length
  //   kTooLarge    head over max_header_bytes or body over max_body_bytes
  //   kUnsupported Transfer-Encoding on a request
  Result<std::size_t> Feed(ByteSpan data);

  // True when a complete request is buffered.
  bool done() const;
  // True when the head (request line and headers) has been parsed.
  bool header_done() const;
  // Whether the connection may carry another request (HTTP/1.1 without "Connection: close",
  // or HTTP/1.0 with keep-alive). REQUIRES: header_done().
  bool keep_alive() const;

  // Moves the request out. REQUIRES: done(). Call Reset() before feeding the next request.
  HttpRequest Take();

  // Prepares for the next request and clears any error.
  void Reset();

 private:
  std::unique_ptr<internal::ReaderCore<true>> core_;
};

}  // namespace sekisho::proto::http
