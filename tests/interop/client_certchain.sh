#!/usr/bin/env bash
# Our client `sekisho` with a client certificate issued by an intermediate CA (issue 10,
# point 5): sekishod trusts only the root (its CertificateRequest lists only the root's name).
# Of two identities, sekisho must pick the one whose chain (leaf + the intermediate given in
# the same PEM file) leads to that root, not only look at the leaf's issuer, and send the
# intermediate so that the gateway can verify the chain; the login is by certificate and the
# tunnel comes up. The same identity without its intermediate fits nothing: none is sent.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway_common.sh"
. "$(dirname "$0")/client_common.sh"
interop_require_root
command -v certtool >/dev/null || interop_skip "certtool missing"

interop_setup_two_hosts
GW_DIR=$(interop_tmpdir)
CL_DIR=$(interop_tmpdir)
CL_URL=$GW_URL
gw_setup "$GW_DIR"
CA=$GW_DIR/pki/ca.pem

# root -> intermediate -> carol
chain=$GW_DIR/chain
mkdir -p "$chain"
key() { certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile "$1" 2>/dev/null; }
key "$chain/root-key.pem"
key "$chain/mid-key.pem"
key "$chain/carol-key.pem"
printf 'cn = "Chain Root CA"\nca\ncert_signing_key\nexpiration_days = 30\n' >"$chain/root.tmpl"
printf 'cn = "Chain Intermediate CA"\nca\ncert_signing_key\nexpiration_days = 30\n' >"$chain/mid.tmpl"
printf 'cn = "Carol Example"\nuid = "carol"\ntls_www_client\nsigning_key\nexpiration_days = 30\n' \
  >"$chain/carol.tmpl"
certtool --generate-self-signed --load-privkey "$chain/root-key.pem" --template "$chain/root.tmpl" \
  --outfile "$chain/root.pem" 2>/dev/null || interop_fail "root CA"
certtool --generate-certificate --load-privkey "$chain/mid-key.pem" --load-ca-certificate \
  "$chain/root.pem" --load-ca-privkey "$chain/root-key.pem" --template "$chain/mid.tmpl" \
  --outfile "$chain/mid.pem" 2>/dev/null || interop_fail "intermediate CA"
certtool --generate-certificate --load-privkey "$chain/carol-key.pem" --load-ca-certificate \
  "$chain/mid.pem" --load-ca-privkey "$chain/mid-key.pem" --template "$chain/carol.tmpl" \
  --outfile "$chain/carol-leaf.pem" 2>/dev/null || interop_fail "client certificate"
cat "$chain/carol-leaf.pem" "$chain/mid.pem" >"$chain/carol.pem"

# The gateway trusts only the root for client certificates.
cp "$chain/root.pem" "$GW_DIR/pki/chain-root.pem"
sed -i 's#^ca_certificates = .*#ca_certificates = "pki/chain-root.pem"#' "$GW_DIR/sekishod.toml"
grep -q 'chain-root.pem' "$GW_DIR/sekishod.toml" || interop_fail "could not set the client CA"
gw_start "$GW_DIR"

# --- 1. two identities: the one from another CA first, the chain second ---------------------
sk_connect chain '' --cafile "$CA" \
  --certificate "$GW_DIR/pki/client.pem" --sslkey "$GW_DIR/pki/client-key.pem" \
  --certificate "$chain/carol.pem" --sslkey "$chain/carol-key.pem"
sk_wait_tunnel chain
grep -q "sent $chain/carol.pem" "$SK_LOG" || interop_fail "the chained identity was not chosen"
grep -q "logged in to group .* by certificate 'UID=carol,CN=Carol Example'" "$GW_LOG" ||
  interop_fail "no certificate login in the gateway log"
ip netns exec "$SK_NS_CL" ping -c 2 -i 0.2 -W 2 "$(sk_addr chain | sed 's/\.[0-9]*$/.1/')" \
  >/dev/null || interop_fail "ping through the tunnel failed"
sk_stop "$SK_PID"

# --- 2. the leaf alone does not lead to the root: nothing is sent -----------------------------
printf 'carolpw\n' >"$CL_DIR/carol.in"
SK_STDIN=$CL_DIR/carol.in sk_run connect --cookieonly --non-inter --cafile "$CA" \
  --certificate "$chain/carol-leaf.pem" --sslkey "$chain/carol-key.pem" \
  --user carol --passwd-on-stdin "$GW_URL" >"$CL_DIR/leaf.out" 2>"$CL_DIR/leaf.log" ||
  interop_fail "password login after no certificate failed: $(tail -3 "$CL_DIR/leaf.log")"
grep -q "none of the 1 configured matches the CAs it accepts" "$CL_DIR/leaf.log" ||
  interop_fail "the leaf without its intermediate was sent: $(cat "$CL_DIR/leaf.log")"
echo "PASS: sekisho chooses and sends a client certificate chain"
