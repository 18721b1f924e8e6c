#pragma once
// Redacted<T> wraps a secret (password, cookie, master secret, private key) so that formatting it
// prints only "<redacted:1a2b3c4d>": a short fingerprint, enough to tell two values apart in one
// process's log. Getting the value out takes an explicit reveal(), which is easy to grep for in
// review.
//
// Why the fingerprint is keyed: an unkeyed hash of a secret is a guessing oracle. With FNV, a
// log reader could hash every short password (or every cookie prefix) offline until one matched
// the log. The fingerprint is therefore SipHash-2-4 under a random 128-bit key drawn from
// SystemRng() once per process and never written anywhere: without the key the 32 bits say
// nothing about the secret. The cost is that the same secret prints differently in two
// processes (main and sec-mod) and across restarts; fingerprints only compare within one
// process's lines, which is all debugging needs. We keep a fingerprint rather than a bare
// "<redacted>" because "was it the same cookie?" is a common question when reading a log.

#include "base/bytes.h"
#include "base/siphash.h"

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <utility>

namespace sekisho {

// SipHash-2-4 of `data` under this process's random key, truncated to 32 bits. The key is drawn
// on first use (thread-safe); the same input gives the same value for the process's lifetime.
std::uint32_t SecretFingerprint(ByteSpan data);
// The fingerprint under a given key; SecretFingerprint is this with the process key.
std::uint32_t KeyedFingerprint(const SipHashKey& key, ByteSpan data);

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
