#!/usr/bin/env bash
# Enforces the dependency rule of STYLE.md by grepping include lines:
#   base -> nothing of ours; proto -> base only (no Asio, GnuTLS, sockets, clocks);
#   tls -> base + GnuTLS; net -> base + Asio; stream -> base + tls + Asio.
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
check() {  # dir, forbidden-regex, description
  local hits
  hits=$(grep -rnE "$2" "src/$1" --include='*.h' --include='*.cc' 2>/dev/null || true)
  if [ -n "$hits" ]; then
    echo "check_deps: $1 must not include $3:"
    echo "$hits"
    fail=1
  fi
}
check base '#include "(proto|tls|net|stream|gateway|client|ctl)/' "other sekisho modules"
check proto '#include "(tls|net|stream|gateway|client|ctl)/' "tls/net/stream/apps"
check proto '#include <(boost/asio|gnutls/|sys/socket\.h|netinet/|arpa/)' "Asio, GnuTLS or sockets"
check proto 'steady_clock|system_clock|high_resolution_clock' "clocks"
check tls '#include "(proto|net|stream|gateway|client|ctl)/' "proto/net/stream/apps"
check net '#include "(proto|tls|stream|gateway|client|ctl)/' "proto/tls/stream/apps"
check stream '#include "(proto|net|gateway|client|ctl)/' "proto/net/apps"
[ $fail -eq 0 ] && echo "check_deps: dependency rule holds"
exit $fail
