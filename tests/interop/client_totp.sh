#!/usr/bin/env bash
# --token-mode=totp against Debian's ocserv 1.1.6 with auth = "plain[passwd=...,otp=FILE]"
# (issue 10, point 4). ocserv asks for the password, then for the OTP in a second form
# ("Please enter your OTP password."); the OTP users file holds the RFC 6238 test key
# (HOTP/T30, 6 digits):
#   1. the right secret (hex form) logs in: the client fills the OTP form itself, the tunnel
#      pings; no code of the surrounding time steps and not the secret appear in its output;
#   2. the same secret as base32 in a file (--token-secret=@FILE) logs bob in too (another
#      user: ocserv refuses a code already used, and this login may fall in the same step);
#   3. a wrong secret is refused (ocserv answers 401 at once) and no tunnel comes up.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ocserv_common.sh"
. "$(dirname "$0")/client_common.sh"
interop_require_root
command -v certtool >/dev/null || interop_skip "certtool missing"
command -v python3 >/dev/null || interop_skip "python3 missing"
[ -x "$SEKISHO" ] || interop_fail "sekisho not built at $SEKISHO"

KEY_HEX=3132333435363738393031323334353637383930  # "12345678901234567890", RFC 6238
KEY_B32=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ

interop_setup_two_hosts
OCS_DIR=$(interop_tmpdir)
CL_DIR=$(interop_tmpdir)
CL_URL=$OCS_URL
ocs_setup "$OCS_DIR" password
# alice and bob share the key: ocserv refuses a code used before (replay), so the second
# login, likely in the same 30 s step, is bob's.
printf 'HOTP/T30 alice - %s\nHOTP/T30 bob - %s\n' "$KEY_HEX" "$KEY_HEX" >"$OCS_DIR/users.oath"
sed -i "s|^auth = .*|auth = \"plain[passwd=$OCS_DIR/ocpasswd,otp=$OCS_DIR/users.oath]\"|" \
  "$OCS_DIR/ocserv.conf"
grep -q 'otp=' "$OCS_DIR/ocserv.conf" || interop_fail "could not configure the OTP file"
ocs_start "$OCS_DIR"
CA=$OCS_DIR/pki/ca.pem
LOGIN=(--cafile "$CA" --user alice --passwd-on-stdin --authgroup sales)

# Prints the TOTP codes of the time steps around now (what must never reach the output).
codes_around_now() {
  python3 - "$KEY_HEX" <<'PY'
import hashlib, hmac, struct, sys, time
key = bytes.fromhex(sys.argv[1])
step = int(time.time()) // 30
for s in range(step - 4, step + 5):
    mac = hmac.new(key, struct.pack(">Q", s), hashlib.sha1).digest()
    off = mac[-1] & 15
    print("%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7fffffff) % 1000000))
PY
}

# --- 1. the right secret ---------------------------------------------------------------------
sk_connect ok $'alicepw\n' "${LOGIN[@]}" --token-mode=totp --token-secret="0x$KEY_HEX" -vv
sk_wait_tunnel ok
ok_pid=$SK_PID
grep -q 'Authentication: filling password with a generated TOTP code' "$SK_LOG" ||
  interop_fail "the OTP form was not filled by the client"
peer=$(ip -n "$SK_NS_GW" -4 -o addr show |
  awk -v peer="$(sk_addr ok)/32" '$6 == peer { split($4, a, "/"); print a[1] }')
[ -n "$peer" ] || interop_fail "no ocserv tunnel device"
ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 "$peer" >/dev/null || interop_fail "ping"
ps -o args= -p "$ok_pid" | grep -q "$KEY_HEX" && interop_fail "the secret is visible in ps"
sk_stop "$ok_pid"
for code in $(codes_around_now); do
  grep -q "$code" "$SK_LOG" && interop_fail "a TOTP code ($code's step) is in the output"
done
grep -qi "$KEY_HEX" "$SK_LOG" && interop_fail "the secret is in the output"
echo "totp: logged in with the generated code"

# --- 2. base32 secret from a file ------------------------------------------------------------
printf 'base32:%s\n' "$KEY_B32" >"$CL_DIR/token"
chmod 600 "$CL_DIR/token"
sk_connect file $'bobpw\n' --cafile "$CA" --user bob --passwd-on-stdin --authgroup sales \
  --token-mode=totp --token-secret="@$CL_DIR/token"
sk_wait_tunnel file
sk_stop "$SK_PID"
echo "totp: @FILE with a base32 secret works"

# --- 3. a wrong secret is refused ------------------------------------------------------------
interop_add_log "$CL_DIR/wrong.log"
printf 'alicepw\nalicepw\nalicepw\n' >"$CL_DIR/wrong.in"
if SK_STDIN=$CL_DIR/wrong.in sk_run connect --interface sk-wrong --non-inter "${LOGIN[@]}" \
  --token-mode=totp --token-secret=base32:JBSWY3DPEHPK3PXP "$OCS_URL" >"$CL_DIR/wrong.log" 2>&1; then
  interop_fail "a wrong TOTP secret logged in"
fi
grep -q 'Authentication: filling password with a generated TOTP code' "$CL_DIR/wrong.log" ||
  interop_fail "the wrong secret was not even tried"
grep -q 'Authentication: succeeded' "$CL_DIR/wrong.log" && interop_fail "login succeeded"
ip -n "$SK_NS_CL" link show sk-wrong >/dev/null 2>&1 && interop_fail "a tunnel came up"
echo "totp: a wrong secret is refused"
echo "PASS"
