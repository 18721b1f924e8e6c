#include "base/redacted.h"

namespace sekisho {

std::uint32_t SecretFingerprint(ByteSpan data) {
  std::uint32_t hash = 2166136261U;
  for (std::uint8_t b : data) {
    hash ^= b;
    hash *= 16777619U;
  }
  // Fold once more so that short secrets do not map to guessable small values.
  hash ^= hash >> 15;
  hash *= 0x2c1b3c6dU;
  hash ^= hash >> 12;
  return hash;
}

}  // namespace sekisho
