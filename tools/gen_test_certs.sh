#!/bin/sh
# Generates a throw-away PKI for interop scripts and the demo (certtool from gnutls-bin):
#   ca.pem ca-key.pem                 server CA "Sekisho Test CA"
#   server.pem server-key.pem         gw.sekisho.test + 198.18.0.1, signed by the CA
#   server-rsa.pem server-rsa-key.pem the same identity with an RSA-2048 key
#   client-ca.pem client-ca-key.pem   client CA "Sekisho Test Client CA"
#   client.pem client-key.pem         CN=Test User, UID=testuser, OU=users
#   client.p12                        the same client identity, password "sekisho"
# Usage: tools/gen_test_certs.sh DIR   (DIR is created; existing files are overwritten)
# Keys are ECDSA P-256; names and validity are fixed, key material is fresh on every run.
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
command -v certtool >/dev/null 2>&1 || { echo "certtool not found (apt install gnutls-bin)" >&2; exit 1; }

dir=$1
mkdir -p "$dir"
cd "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

key() { certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile "$1" 2>/dev/null; }

cat >"$tmp/ca.tmpl" <<'T'
organization = "Sekisho Test"
cn = "Sekisho Test CA"
serial = 1
expiration_days = 3650
ca
cert_signing_key
crl_signing_key
T
key ca-key.pem
certtool --generate-self-signed --load-privkey ca-key.pem --template "$tmp/ca.tmpl" \
  --outfile ca.pem 2>/dev/null

cat >"$tmp/server.tmpl" <<'T'
organization = "Sekisho Test"
cn = "gw.sekisho.test"
serial = 2
expiration_days = 825
dns_name = "gw.sekisho.test"
ip_address = "198.18.0.1"
tls_www_server
signing_key
T
key server-key.pem
certtool --generate-certificate --load-privkey server-key.pem --load-ca-certificate ca.pem \
  --load-ca-privkey ca-key.pem --template "$tmp/server.tmpl" --outfile server.pem 2>/dev/null

# The same server identity with an RSA key (the gateway serves RSA or ECDSA certificates).
certtool --generate-privkey --key-type=rsa --bits=2048 --outfile server-rsa-key.pem 2>/dev/null
sed 's/^serial = 2$/serial = 5/' "$tmp/server.tmpl" >"$tmp/server-rsa.tmpl"
certtool --generate-certificate --load-privkey server-rsa-key.pem --load-ca-certificate ca.pem \
  --load-ca-privkey ca-key.pem --template "$tmp/server-rsa.tmpl" --outfile server-rsa.pem 2>/dev/null

cat >"$tmp/client-ca.tmpl" <<'T'
organization = "Sekisho Test"
cn = "Sekisho Test Client CA"
serial = 3
expiration_days = 3650
ca
cert_signing_key
crl_signing_key
T
key client-ca-key.pem
certtool --generate-self-signed --load-privkey client-ca-key.pem \
  --template "$tmp/client-ca.tmpl" --outfile client-ca.pem 2>/dev/null

cat >"$tmp/client.tmpl" <<'T'
organization = "Sekisho Test"
unit = "users"
cn = "Test User"
uid = "testuser"
serial = 4
expiration_days = 825
tls_www_client
signing_key
T
key client-key.pem
certtool --generate-certificate --load-privkey client-key.pem \
  --load-ca-certificate client-ca.pem --load-ca-privkey client-ca-key.pem \
  --template "$tmp/client.tmpl" --outfile client.pem 2>/dev/null

certtool --to-p12 --load-privkey client-key.pem --load-certificate client.pem \
  --p12-name "Test User" --password sekisho --outder --outfile client.p12 2>/dev/null

pin=$(certtool -i --infile server.pem | sed -n 's/^[[:space:]]*\(pin-sha256:.*\)$/\1/p' | head -n 1)
echo "server certificate pin (openconnect --servercert): $pin" >&2
