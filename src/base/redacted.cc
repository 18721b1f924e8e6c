#include "base/redacted.h"

#include "base/rng.h"

namespace sekisho {
namespace {

SipHashKey DrawProcessKey() {
  SipHashKey key{};
  SystemRng().Fill(MutableByteSpan(key));
  return key;
}

}  // namespace

std::uint32_t SecretFingerprint(ByteSpan data) {
  static const SipHashKey key = DrawProcessKey();
  return KeyedFingerprint(key, data);
}

std::uint32_t KeyedFingerprint(const SipHashKey& key, ByteSpan data) {
  return static_cast<std::uint32_t>(SipHash24(key, data));
}

}  // namespace sekisho
