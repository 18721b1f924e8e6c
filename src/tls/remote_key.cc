#include "tls/remote_key.h"

#include "base/encoding.h"

#include <gnutls/crypto.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace sekisho::tls {

Result<std::unique_ptr<KeyHolder>> KeyHolder::Load(const std::string& key_file) {
  std::ifstream in(key_file, std::ios::binary);
  if (!in) {
    return Fail(Errc::kConfig, "cannot read private key " + key_file + ": " + std::strerror(errno));
  }
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::unique_ptr<KeyHolder> holder(new KeyHolder());
  int rc = gnutls_privkey_init(&holder->key_);
  if (rc >= 0) {
    gnutls_datum_t data{reinterpret_cast<unsigned char*>(pem.data()),
                        static_cast<unsigned int>(pem.size())};
    rc = gnutls_privkey_import_x509_raw(holder->key_, &data, GNUTLS_X509_FMT_PEM, nullptr, 0);
  }
  // The PEM text is a secret: wipe the copy before it is freed.
  std::fill(pem.begin(), pem.end(), '\0');
  if (rc < 0) {
    return Fail(Errc::kConfig, "cannot load private key " + key_file + ": " + gnutls_strerror(rc));
  }
  return holder;
}

KeyHolder::~KeyHolder() {
  if (key_ != nullptr) {
    gnutls_privkey_deinit(key_);
  }
}

Result<std::string> KeyHolder::SpkiSha256Hex() const {
  gnutls_pubkey_t pub = nullptr;
  gnutls_datum_t spki{nullptr, 0};
  int rc = gnutls_pubkey_init(&pub);
  if (rc >= 0) {
    rc = gnutls_pubkey_import_privkey(pub, key_, 0, 0);
  }
  if (rc >= 0) {
    rc = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &spki);
  }
  if (pub != nullptr) {
    gnutls_pubkey_deinit(pub);
  }
  if (rc < 0) {
    return Fail(Errc::kTls, std::string("public key: ") + gnutls_strerror(rc));
  }
  std::array<std::uint8_t, 32> sha256{};
  gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.data, spki.size, sha256.data());
  gnutls_free(spki.data);
  return HexEncode(sha256);
}

Result<Bytes> KeyHolder::Sign(SignInput input, gnutls_sign_algorithm_t algorithm, unsigned flags,
                              ByteSpan payload) const {
  gnutls_datum_t data{const_cast<unsigned char*>(payload.data()),
                      static_cast<unsigned int>(payload.size())};
  gnutls_datum_t signature{nullptr, 0};
  int rc = input == SignInput::kData
               ? gnutls_privkey_sign_data2(key_, algorithm, flags, &data, &signature)
               : gnutls_privkey_sign_hash2(key_, algorithm, flags, &data, &signature);
  if (rc < 0) {
    return Fail(Errc::kTls, std::string("sign: ") + gnutls_strerror(rc));
  }
  Bytes out(signature.data, signature.data + signature.size);
  gnutls_free(signature.data);
  return out;
}

}  // namespace sekisho::tls
