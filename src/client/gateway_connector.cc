#include "client/gateway_connector.h"

#include "client/progress.h"
#include "client/xdg_paths.h"

#include <utility>

namespace sekisho::client {
namespace {

constexpr Duration kTlsTimeout = seconds(15);

}  // namespace

GatewayConnector::GatewayConnector(boost::asio::io_context& io, const ConnectOptions& options,
                                   proto::http::Url url, Preferences prefs, bool prefs_usable,
                                   Prompter& prompter, const Logger& log)
    : io_(io),
      options_(options),
      prompter_(prompter),
      log_(log),
      url_(std::move(url)),
      prefs_(std::move(prefs)),
      prefs_usable_(prefs_usable) {
  original_key_ = GatewayKey(url_.host, url_.port);
  SelectHost();
}

void GatewayConnector::SelectHost() {
  gateway_key_ = GatewayKey(url_.host, url_.port);
  trust_warned_ = false;
  // --servercert is a strict pin for the host the user gave. For a host reached by a redirect
  // the pins only accept a certificate that does not validate (with the usual warning), so a
  // cluster of self-signed members works with one --servercert per member, and a member the
  // trust store validates is not refused for lacking a pin.
  required_pins_.clear();
  pins_.clear();
  if (gateway_key_ == original_key_) {
    required_pins_ = options_.server_pins;
  } else {
    pins_ = options_.server_pins;
  }
  // Certificates accepted earlier stay accepted (with a warning) until they validate.
  if (const GatewayPrefs* stored = prefs_.Find(gateway_key_)) {
    for (const auto& acceptance : stored->accepted_certs) {
      pins_.push_back(acceptance.pin);
    }
  }
}

Result<void> GatewayConnector::SwitchHost(const proto::http::Url& url) {
  url_ = url;
  SelectHost();
  return LoadCredentials();
}

Result<void> GatewayConnector::LoadCredentials() {
  tls::ClientTlsConfig config;
  config.server_name = url_.host;
  config.ca_file = options_.ca_file;
  config.use_system_trust = options_.use_system_trust;
  config.pins = pins_;
  config.required_pins = required_pins_;
  config.identities = options_.identities;
  SEKISHO_ASSIGN_OR_RETURN(auto creds, tls::ClientCredentials::Load(config));
  creds_ = std::move(creds);
  return Ok();
}

void GatewayConnector::SavePrefs() {
  if (!prefs_usable_) {
    return;
  }
  if (auto saved = prefs_.Save(); !saved) {
    log_.Warn("cannot save preferences: {}", saved.error().ToString());
  }
}

Result<std::unique_ptr<TlsConnection>> GatewayConnector::OpenTls(bool report) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    TlsConnection::OpenFailure failure;
    auto conn = TlsConnection::Open(io_, url_.host, url_.port, creds_, kTlsTimeout, log_, &failure);
    if (conn) {
      gateway_ip_ = conn->peer_ip();
      CheckTrust(*conn);
      if (report) {
        Say("TLS: connected to {} ({}), {}", url_.host, gateway_ip_,
            conn->engine().CipherDescription());
        if (conn->engine().client_certificate_requested()) {
          const std::string& chosen = conn->engine().ChosenIdentity();
          if (chosen.empty() && options_.identities.empty()) {
            Say("TLS: the gateway asked for a client certificate; none configured, none sent");
          } else if (chosen.empty()) {
            Say("TLS: the gateway asked for a client certificate; none of the {} configured "
                "matches the CAs it accepts, so none was sent",
                options_.identities.size());
          } else {
            Say("TLS: the gateway asked for a client certificate; sent {}", chosen);
          }
        }
      }
      return conn;
    }
    if (failure.error.code != Errc::kUntrusted || !failure.verify) {
      return Fail(failure.error);
    }
    const tls::VerifyResult& verify = *failure.verify;
    if (verify.pin_mismatch) {
      // A strict pin: no prompt can override it.
      Say("TLS: certificate for {} does not match --servercert {}; it presents {}; connection "
          "refused.",
          url_.host, Join(required_pins_, ", "), verify.pin_sha256);
      return Fail(Errc::kUntrusted, "server certificate for " + url_.host +
                                        " does not match --servercert (it presents " +
                                        verify.pin_sha256 + ")");
    }
    if (verify.pinned) {
      return Fail(failure.error);
    }
    Say("TLS: certificate for {} is NOT trusted ({}); connection refused.", url_.host,
        verify.reason);
    Say("TLS: to accept this certificate, run again with --servercert {}", verify.pin_sha256);
    if (attempt > 0 || !prompter_.Confirm("Accept this certificate and connect anyway?")) {
      return Fail(Errc::kUntrusted, "server certificate not trusted (" + verify.reason + ")");
    }
    pins_.push_back(verify.pin_sha256);
    if (prefs_usable_) {
      prefs_.Upsert(gateway_key_).Accept(verify.pin_sha256, verify.reason, "interactive");
      SavePrefs();
    }
    SEKISHO_TRY(LoadCredentials());
  }
  return Fail(Errc::kUntrusted, "server certificate not trusted");
}

void GatewayConnector::CheckTrust(TlsConnection& conn) {
  const auto& verify = conn.engine().verify_result();
  if (!verify) {
    return;
  }
  const GatewayPrefs* stored = prefs_.Find(gateway_key_);
  if (verify->trusted) {
    // Validates normally now: any earlier acceptance of this certificate is obsolete.
    if (stored != nullptr && stored->FindAcceptance(verify->pin_sha256) != nullptr) {
      prefs_.Upsert(gateway_key_).Forget(verify->pin_sha256);
      SavePrefs();
      Say("TLS: certificate for {} now validates; its acceptance record was cleared", url_.host);
    }
    return;
  }
  if (!verify->pinned) {
    return;
  }
  if (!trust_warned_) {
    trust_warned_ = true;
    Say("WARNING: certificate for {} is not trusted ({}); accepted by pin {}", url_.host,
        verify->reason, verify->pin_sha256);
  }
  if (prefs_usable_ &&
      (stored == nullptr || stored->FindAcceptance(verify->pin_sha256) == nullptr)) {
    prefs_.Upsert(gateway_key_).Accept(verify->pin_sha256, verify->reason, "servercert");
    SavePrefs();
  }
}

}  // namespace sekisho::client
