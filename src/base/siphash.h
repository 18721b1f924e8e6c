#pragma once
// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit pseudorandom function. Without the
// key its outputs tell nothing about the input, which is what a log fingerprint of a secret
// needs (base/redacted.h). Not a MAC for the wire; nothing in the protocols uses it.

#include "base/bytes.h"

#include <array>
#include <cstdint>

namespace sekisho {

using SipHashKey = std::array<std::uint8_t, 16>;

// SipHash-2-4 of `data` under `key`, the 8 output bytes read little-endian (the reference
// implementation's vectors, tests/unit/base/siphash_test.cc).
std::uint64_t SipHash24(const SipHashKey& key, ByteSpan data);

}  // namespace sekisho
