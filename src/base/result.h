#pragma once
// Result<T>: a value or an Error, with the member names of std::expected so that it can become
// an alias of std::expected once the standard library has it (g++ 12 in C++20 does not).
//
//   Result<int> ParsePort(std::string_view s) {
//     if (s.empty()) return Fail(Errc::kMalformed, "empty port");
//     return 443;
//   }
//
// Errors carry an Errc and a short context string. The context must never contain secrets.

#include "base/errc.h"

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace sekisho {

struct Error {
  Errc code = Errc::kInternal;
  std::string context;

  // "malformed: bad CSTP magic"
  std::string ToString() const;
};

template <class E>
class Unexpected {
 public:
  explicit Unexpected(E error) : error_(std::move(error)) {}
  const E& error() const& { return error_; }
  E&& error() && { return std::move(error_); }

 private:
  E error_;
};

// The usual way to return an error from a function returning Result<T>.
inline Unexpected<Error> Fail(Errc code, std::string context = {}) {
  return Unexpected<Error>(Error{code, std::move(context)});
}
inline Unexpected<Error> Fail(Error error) { return Unexpected<Error>(std::move(error)); }

template <class T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  Result() requires std::is_default_constructible_v<T> : storage_(std::in_place_index<0>) {}
  Result(const T& value) : storage_(std::in_place_index<0>, value) {}        // NOLINT
  Result(T&& value) : storage_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  template <class U>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, T> &&
           !std::is_same_v<std::decay_t<U>, Result> &&
           !std::is_same_v<std::decay_t<U>, Unexpected<Error>>) Result(U&& value)
      : storage_(std::in_place_index<0>, T(std::forward<U>(value))) {}  // NOLINT
  Result(Unexpected<Error> error)                                       // NOLINT
      : storage_(std::in_place_index<1>, std::move(error).error()) {}

  bool has_value() const { return storage_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(storage_); }
  const T& value() const& { return std::get<0>(storage_); }
  T&& value() && { return std::get<0>(std::move(storage_)); }
  const Error& error() const { return std::get<1>(storage_); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> storage_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  using value_type = void;
  Result() = default;
  Result(Unexpected<Error> error) : error_(std::move(error).error()), ok_(false) {}  // NOLINT

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  void value() const {}
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

inline Result<void> Ok() { return {}; }

}  // namespace sekisho

#define SEKISHO_CONCAT_INNER(a, b) a##b
#define SEKISHO_CONCAT(a, b) SEKISHO_CONCAT_INNER(a, b)

// Returns the error of `expr` (a Result) from the enclosing function.
#define SEKISHO_TRY(expr)                                 \
  do {                                                    \
    auto&& sekisho_try_result = (expr);                   \
    if (!sekisho_try_result.has_value()) {                \
      return ::sekisho::Fail(sekisho_try_result.error()); \
    }                                                     \
  } while (false)

// `SEKISHO_ASSIGN_OR_RETURN(auto x, Parse(...));` declares x or returns the error.
#define SEKISHO_ASSIGN_OR_RETURN(lhs, expr) \
  SEKISHO_ASSIGN_OR_RETURN_IMPL(SEKISHO_CONCAT(sekisho_result_, __LINE__), lhs, expr)
#define SEKISHO_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.has_value()) {                             \
    return ::sekisho::Fail(tmp.error());              \
  }                                                   \
  lhs = std::move(tmp).value()
