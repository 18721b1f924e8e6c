#include "tls/remote_key.h"

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
