#pragma once
// ResponseReader: the client side of an HTTP/1.1 connection, incremental and sans-I/O. Same
// shape as RequestReader: Feed() any split, done(), Take(), Reset().
//
// Bodies: Content-Length, chunked (the ASA answers chunked), or, without either, everything
// until the connection closes: the caller then calls FinishAtEof() when TLS reports EOF.
// 1xx, 204 and 304 have no body.
//
// The reader cannot know what was asked, so the caller says so before feeding a response:
//   ExpectHeadResponse()     the request was HEAD: no body whatever the headers say.
//   ExpectConnectResponse()  the request was CONNECT: a 2xx ends at the blank line and the bytes
//                            after it (the first CSTP frame) are left unconsumed; a non-2xx
//                            error page is read normally.
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

class ResponseReader {
 public:
  using Limits = http::Limits;

  explicit ResponseReader(Limits limits = Limits{});
  ~ResponseReader();
  ResponseReader(ResponseReader&&) noexcept;
  ResponseReader& operator=(ResponseReader&&) noexcept;

  // REQUIRES: nothing of the current response fed yet (just constructed or Reset()).
  // Reset() returns to normal body rules.
  void ExpectHeadResponse();
  void ExpectConnectResponse();
  // Alias of ExpectHeadResponse(), for callers that think in terms of "no body".
  void ExpectNoBody() { ExpectHeadResponse(); }

  // Consumes bytes of the current response and returns how many were consumed: all of `data`
  // while incomplete, fewer when the response ends inside `data`, 0 once done().
  // Errors (sticky until Reset(); close the connection):
  //   kMalformed  bad status line, header syntax, chunk syntax, Content-Length
  //   kTooLarge   head over max_header_bytes or body over max_body_bytes
  Result<std::size_t> Feed(ByteSpan data);

  // The peer closed the connection. Completes a close-delimited body.
  // Errors: kClosed when no byte of a response was received (reconnect and retry);
  //         kIncomplete when the response was cut short (fail the request).
  Result<void> FinishAtEof();

  bool done() const;
  bool header_done() const;
  // Whether the connection may be reused after this response. openconnect reconnects after
  // HTTP/1.0 or "Connection: close" (anyconnect.md §2.1). REQUIRES: header_done().
  bool keep_alive() const;

  // Moves the response out. REQUIRES: done(). Call Reset() before the next response.
  HttpResponse Take();

  void Reset();

 private:
  std::unique_ptr<internal::ReaderCore<false>> core_;
};

}  // namespace sekisho::proto::http
