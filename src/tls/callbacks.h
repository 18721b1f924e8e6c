#pragma once
// Internal to tls/: the GnuTLS callbacks that credentials install and TlsEngine implements.
// They find their engine through gnutls_session_get_ptr().

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

namespace sekisho::tls::internal {

// gnutls_certificate_verify_function for client credentials.
int VerifyServerCertificate(gnutls_session_t session);

// gnutls_certificate_retrieve_function2 for client credentials.
int RetrieveClientCertificate(gnutls_session_t session, const gnutls_datum_t* req_ca_rdn, int nreqs,
                              const gnutls_pk_algorithm_t* pk_algos, int pk_algos_length,
                              gnutls_pcert_st** pcert, unsigned int* pcert_length,
                              gnutls_privkey_t* privkey);

}  // namespace sekisho::tls::internal
