#pragma once
// Private keys that live in another process (the gateway's security module). Workers run TLS
// with a GnuTLS "external" key (gnutls_privkey_import_ext4) whose signing callbacks call a
// RemoteSigner; the security module answers with a KeyHolder, the only object that ever reads
// the key file. Signing is the only operation offered: the priority strings use ECDHE/DHE key
// exchange only, so the key never decrypts.

#include "base/bytes.h"
#include "base/result.h"

#include <gnutls/abstract.h>

#include <memory>
#include <string>

namespace sekisho::tls {

enum class SignInput : std::uint8_t {
  kData = 0,  // the data to be hashed and signed (TLS 1.3, TLS 1.2 ECDSA/PSS)
  kHash = 1,  // an already computed hash or DigestInfo (TLS 1.2 RSA PKCS#1)
};

// Signs for an engine. Called synchronously from inside a TLS handshake, on the engine's thread.
class RemoteSigner {
 public:
  virtual ~RemoteSigner() = default;
  // Errors: any; the handshake then fails with an internal-error alert, the process goes on.
  virtual Result<Bytes> Sign(SignInput input, gnutls_sign_algorithm_t algorithm, unsigned flags,
                             ByteSpan payload) = 0;
};

// The private key itself, loaded from a PEM file (RSA or ECDSA).
class KeyHolder {
 public:
  // Errors: kConfig naming the file (unreadable, not a key).
  static Result<std::unique_ptr<KeyHolder>> Load(const std::string& key_file);
  ~KeyHolder();
  KeyHolder(const KeyHolder&) = delete;
  KeyHolder& operator=(const KeyHolder&) = delete;

  // Lower-case hex SHA-256 of the public key's DER SubjectPublicKeyInfo: equal to
  // CertificateFingerprints::spki_sha256_hex of a certificate for this key. Errors: kTls.
  Result<std::string> SpkiSha256Hex() const;

  // Errors: kTls when GnuTLS refuses (unsupported algorithm for this key, bad hash size).
  Result<Bytes> Sign(SignInput input, gnutls_sign_algorithm_t algorithm, unsigned flags,
                     ByteSpan payload) const;

 private:
  KeyHolder() = default;
  gnutls_privkey_t key_ = nullptr;
};

}  // namespace sekisho::tls
