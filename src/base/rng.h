#pragma once
// Randomness as an injected interface, so state machines are deterministic under test.

#include "base/bytes.h"

namespace sekisho {

class Rng {
 public:
  virtual ~Rng() = default;
  // Fills `out` with cryptographically secure random bytes (SystemRng) or a fixed-seed
  // sequence (testutil::FakeRng).
  virtual void Fill(MutableByteSpan out) = 0;
};

// getrandom(2)-backed generator; safe to share between threads.
Rng& SystemRng();

}  // namespace sekisho
