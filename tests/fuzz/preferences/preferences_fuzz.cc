// preferences.xml as found on disk (another program, an older version or a partial write may
// have left anything there): Parse must accept or refuse without crashing, and whatever it
// accepts must serialize and parse back to the same model.
#include "client/preferences.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

using sekisho::client::GatewayPrefs;
using sekisho::client::Preferences;

namespace {

bool SameGateway(const GatewayPrefs& a, const GatewayPrefs& b) {
  if (a.key != b.key || a.server_cert_hash != b.server_cert_hash || a.last_group != b.last_group ||
      a.accepted_certs.size() != b.accepted_certs.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.accepted_certs.size(); ++i) {
    const auto& x = a.accepted_certs[i];
    const auto& y = b.accepted_certs[i];
    if (x.pin != y.pin || x.reason != y.reason || x.how != y.how) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  auto prefs = Preferences::Parse(xml, "fuzz.xml");
  if (!prefs.has_value()) {
    return 0;
  }
  auto again = Preferences::Parse(prefs->Serialize(), "fuzz.xml");
  if (!again.has_value() || again->gateways().size() != prefs->gateways().size()) {
    __builtin_trap();
  }
  for (std::size_t i = 0; i < prefs->gateways().size(); ++i) {
    if (!SameGateway(prefs->gateways()[i], again->gateways()[i])) {
      __builtin_trap();
    }
  }
  return 0;
}
