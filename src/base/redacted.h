#pragma once
// Redacted<T> wraps a secret (password, cookie, master secret, private key) so that formatting it
// prints only "<redacted:1a2b3c4d>": a short non-reversible fingerprint (FNV-1a, enough to tell
// two values apart in logs, useless for guessing). Getting the value out takes an explicit
// reveal(), which is easy to grep for in review.

#include "base/bytes.h"

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <utility>

namespace sekisho {

std::uint32_t SecretFingerprint(ByteSpan data);

template <class T>
class Redacted {
 public:
  Redacted() = default;
  explicit Redacted(T value) : value_(std::move(value)) {}

  const T& reveal() const { return value_; }
  T& reveal_mutable() { return value_; }
  bool empty() const { return value_.empty(); }
  friend bool operator==(const Redacted&, const Redacted&) = default;

 private:
  T value_{};
};

using SecretString = Redacted<std::string>;
using SecretBytes = Redacted<Bytes>;

}  // namespace sekisho

template <class T>
struct fmt::formatter<sekisho::Redacted<T>> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(const sekisho::Redacted<T>& secret, Ctx& ctx) const {
    const auto& v = secret.reveal();
    auto span = sekisho::ByteSpan(reinterpret_cast<const std::uint8_t*>(v.data()), v.size());
    return fmt::format_to(ctx.out(), "<redacted:{:08x}>", sekisho::SecretFingerprint(span));
  }
};
