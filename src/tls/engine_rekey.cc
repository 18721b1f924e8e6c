// TlsEngine's rekey in place: a TLS 1.3 key update or a TLS 1.2 renegotiation of the
// established session, with application records written meanwhile held back (engine.h). The
// rest of the engine is in engine.cc.

#include "tls/engine.h"

#include <gnutls/gnutls.h>

#include <utility>
#include <vector>

namespace sekisho::tls {

// ---------------------------------------------------------------- rekey in place

Result<void> TlsEngine::BeginRekey() {
  if (!handshake_done_ || failed_ || closed_ || options_.datagram) {
    return Fail(Errc::kProtocol, "no established TLS session to rekey");
  }
  if (renegotiating_) {
    return Fail(Errc::kProtocol, "a renegotiation is already running");
  }
  if (IsTls13()) {
    // KeyUpdate with update_requested: the peer answers with its own, both directions get
    // fresh traffic keys. The memory transport never blocks, so this only queues it.
    int rc = gnutls_session_key_update(session_, GNUTLS_KU_PEER);
    if (rc < 0) {
      return Fail(TlsError(rc, "TLS 1.3 key update"));
    }
    options_.logger.Debug("TLS 1.3 key update sent");
    return Ok();
  }
  renegotiating_ = true;
  rekey_result_.reset();
  int rc = gnutls_handshake(session_);  // queues the ClientHello, then wants the ServerHello
  if (rc == GNUTLS_E_SUCCESS) {
    renegotiating_ = false;
    rekey_result_ = Ok();
    return SendHeldRecords();
  }
  if (rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED) {
    renegotiating_ = false;
    return Fail(TlsError(rc, "TLS renegotiation"));
  }
  options_.logger.Debug("TLS renegotiation started");
  return Ok();
}

Result<bool> TlsEngine::DriveRenegotiation() {
  for (;;) {
    int rc = gnutls_handshake(session_);
    if (rc == GNUTLS_E_SUCCESS) {
      renegotiating_ = false;
      rekey_result_ = Ok();
      options_.logger.Debug("TLS renegotiation done: {}", CipherDescription());
      SEKISHO_TRY(SendHeldRecords());
      return true;
    }
    if (rc == GNUTLS_E_GOT_APPLICATION_DATA) {
      return true;
    }
    if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
      return false;
    }
    if (rc == GNUTLS_E_WARNING_ALERT_RECEIVED &&
        gnutls_alert_get(session_) == GNUTLS_A_NO_RENEGOTIATION) {
      renegotiating_ = false;
      rekey_result_ = Fail(Errc::kUnsupported, "the peer refused to renegotiate");
      SEKISHO_TRY(SendHeldRecords());
      return true;
    }
    if (gnutls_error_is_fatal(rc) == 0) {
      continue;
    }
    failed_ = true;
    renegotiating_ = false;
    Error error = TlsError(rc, "TLS renegotiation");
    if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
      error.context += std::string(" (") + gnutls_alert_get_name(gnutls_alert_get(session_)) + ")";
    }
    error.code = Errc::kTls;
    rekey_result_ = Fail(error);
    return Fail(std::move(error));
  }
}

Result<void> TlsEngine::SendHeldRecords() {
  std::vector<Bytes> held = std::move(held_records_);
  held_records_.clear();
  for (const Bytes& record : held) {
    SEKISHO_TRY(WriteRecord(record));
  }
  return Ok();
}

std::optional<Result<void>> TlsEngine::TakeRekeyResult() {
  std::optional<Result<void>> result = std::move(rekey_result_);
  rekey_result_.reset();
  return result;
}

}  // namespace sekisho::tls
