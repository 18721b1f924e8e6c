#pragma once
// Internal to proto/http: the incremental reader shared by RequestReader and ResponseReader,
// built on Boost.Beast's basic_parser fed from memory (no streams, error_code overloads only).
// Not part of the public API; include request_reader.h or response_reader.h instead.

#include "base/bytes.h"
#include "base/result.h"
#include "proto/http/limits.h"
#include "proto/http/message.h"

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <type_traits>

namespace sekisho::proto::http::internal {

template <bool kIsRequest>
using MessageFor = std::conditional_t<kIsRequest, HttpRequest, HttpResponse>;

// How a response body is delimited in addition to the headers (RFC 9112 §6.3).
enum class BodyMode {
  kNormal,
  kNone,       // response to HEAD: never a body
  kNoneIf2xx,  // response to CONNECT: a 2xx has no body, the tunnel starts after the head
};

template <bool kIsRequest>
class BeastParser final : public boost::beast::http::basic_parser<kIsRequest> {
 public:
  using Message = MessageFor<kIsRequest>;
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  BeastParser(const Limits& limits, BodyMode body_mode) : limits_(limits) {
    // Not eager: put() returns at the end of the head, so that ReaderCore can end a CONNECT
    // response there (basic_parser::skip() may not be changed once parsing started).
    this->eager(false);
    this->header_limit(
        static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_header_bytes, UINT32_MAX)));
    this->body_limit(static_cast<std::uint64_t>(limits.max_body_bytes));
    if (body_mode == BodyMode::kNone) {
      this->skip(true);
    }
  }

  Message& message() { return message_; }
  std::size_t header_bytes() const { return header_bytes_; }
  bool unsupported() const { return unsupported_; }

 private:
  void on_request_impl(boost::beast::http::verb, string_view method, string_view target,
                       int version, error_code& ec) override {
    if constexpr (kIsRequest) {
      message_.method.assign(method.data(), method.size());
      message_.target.assign(target.data(), target.size());
      message_.version = static_cast<unsigned>(version);
      AddHeaderBytes(method.size() + target.size() + 12, ec);
    }
  }

  void on_response_impl(int code, string_view reason, int version, error_code& ec) override {
    if constexpr (!kIsRequest) {
      message_.status = static_cast<unsigned>(code);
      message_.reason.assign(reason.data(), reason.size());
      message_.version = static_cast<unsigned>(version);
      AddHeaderBytes(reason.size() + 15, ec);
    }
  }

  void on_field_impl(boost::beast::http::field f, string_view name, string_view value,
                     error_code& ec) override {
    AddHeaderBytes(name.size() + value.size() + 4, ec);
    if (ec) {
      return;
    }
    if constexpr (kIsRequest) {
      // No AnyConnect client sends a chunked request, and refusing Transfer-Encoding on
      // requests removes the CL/TE request-smuggling class altogether.
      if (f == boost::beast::http::field::transfer_encoding) {
        unsupported_ = true;
        ec = boost::beast::http::error::bad_transfer_encoding;
        return;
      }
    }
    message_.headers.push_back(
        Header{std::string(name.data(), name.size()), std::string(value.data(), value.size())});
  }

  void on_header_impl(error_code&) override {}

  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override {
    if (content_length) {
      if (*content_length > limits_.max_body_bytes) {
        ec = boost::beast::http::error::body_limit;
        return;
      }
      message_.body.reserve(static_cast<std::size_t>(*content_length));
    }
  }

  std::size_t on_body_impl(string_view body, error_code& ec) override {
    return AppendBody(body, ec);
  }

  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}

  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override {
    return AppendBody(body, ec);
  }

  void on_finish_impl(error_code&) override {}

  void AddHeaderBytes(std::size_t n, error_code& ec) {
    header_bytes_ += n;
    if (header_bytes_ > limits_.max_header_bytes) {
      ec = boost::beast::http::error::header_limit;
    }
  }

  std::size_t AppendBody(string_view body, error_code& ec) {
    if (message_.body.size() + body.size() > limits_.max_body_bytes) {
      ec = boost::beast::http::error::body_limit;
      return 0;
    }
    message_.body.append(body.data(), body.size());
    return body.size();
  }

  Limits limits_;
  Message message_;
  std::size_t header_bytes_ = 0;
  bool unsupported_ = false;
};

template <bool kIsRequest>
class ReaderCore {
 public:
  using Message = MessageFor<kIsRequest>;

  explicit ReaderCore(const Limits& limits) : limits_(limits) { Reset(); }

  Result<std::size_t> Feed(ByteSpan data) {
    if (failed_) {
      return Fail(error_);
    }
    if (done() || data.empty()) {
      return std::size_t{0};
    }
    // Beast consumes nothing of an incomplete line, so unconsumed bytes wait here until more
    // arrive. Bounded below by the header limit.
    pending_.append(AsChars(data));
    std::size_t offset = 0;
    while (offset < pending_.size() && !done()) {
      boost::beast::error_code ec;
      const std::size_t n = parser_->put(
          boost::beast::net::const_buffer(pending_.data() + offset, pending_.size() - offset), ec);
      offset += n;
      if (ec == boost::beast::http::error::need_more) {
        break;
      }
      if (ec) {
        return SetError(ec);
      }
      if (!head_only_ && body_mode_ == BodyMode::kNoneIf2xx && parser_->is_header_done()) {
        // A 2xx to CONNECT has no body whatever its headers say: the next byte is the first
        // CSTP frame (anyconnect.md §6.1).
        if constexpr (!kIsRequest) {
          head_only_ = parser_->message().status / 100 == 2;
        }
      }
      if (n == 0) {
        break;
      }
    }
    pending_.erase(0, offset);
    if (done()) {
      // The message ends inside `data` (it was incomplete before this call), so whatever
      // Beast left over is a suffix of `data`: report it as not consumed.
      const std::size_t leftover = pending_.size();
      pending_.clear();
      if (leftover > data.size()) {
        return SetError(Error{Errc::kInternal, "HTTP reader leftover accounting"});
      }
      return data.size() - leftover;
    }
    const std::size_t waiting =
        pending_.size() + (parser_->is_header_done() ? 0 : parser_->header_bytes());
    if (waiting > limits_.max_header_bytes) {
      // An endless header, or an endless chunk-size line.
      return SetError(Error{Errc::kTooLarge, "HTTP header too large"});
    }
    return data.size();
  }

  Result<void> FinishAtEof() {
    if (failed_) {
      return Fail(error_);
    }
    if (done()) {
      return Ok();
    }
    if (!parser_->got_some()) {
      return Fail(Errc::kClosed, "connection closed before an HTTP message");
    }
    boost::beast::error_code ec;
    parser_->put_eof(ec);
    if (ec) {
      failed_ = true;
      error_ = Error{Errc::kIncomplete, "connection closed inside an HTTP message"};
      return Fail(error_);
    }
    return Ok();
  }

  bool done() const { return !failed_ && (head_only_ || parser_->is_done()); }
  bool failed() const { return failed_; }
  bool keep_alive() const {
    return !head_only_ && parser_->is_header_done() && parser_->keep_alive();
  }
  bool header_done() const { return parser_->is_header_done(); }

  Message Take() {
    Message out = std::move(parser_->message());
    parser_->message() = Message{};
    return out;
  }

  void Reset(BodyMode body_mode = BodyMode::kNormal) {
    parser_.emplace(limits_, body_mode);
    body_mode_ = body_mode;
    head_only_ = false;
    pending_.clear();
    failed_ = false;
    error_ = Error{};
  }

 private:
  Result<std::size_t> SetError(Error e) {
    failed_ = true;
    error_ = std::move(e);
    return Fail(error_);
  }

  Result<std::size_t> SetError(boost::beast::error_code ec) {
    namespace be = boost::beast::http;
    Errc code = Errc::kMalformed;
    if (ec == be::error::header_limit || ec == be::error::body_limit ||
        ec == be::error::buffer_overflow) {
      code = Errc::kTooLarge;
    } else if (parser_->unsupported()) {
      code = Errc::kUnsupported;
    }
    const char* what = code == Errc::kUnsupported ? "Transfer-Encoding on a request" : nullptr;
    return SetError(Error{code, what != nullptr ? std::string(what) : "HTTP " + ec.message()});
  }

  Limits limits_;
  std::optional<BeastParser<kIsRequest>> parser_;
  std::string pending_;
  BodyMode body_mode_ = BodyMode::kNormal;
  bool head_only_ = false;  // a CONNECT 2xx ended at its head
  bool failed_ = false;
  Error error_;
};

}  // namespace sekisho::proto::http::internal
