#pragma once
// GatewayConnector: phase 1 of the connect flow (connect_flow.h). It opens every TLS connection
// to the gateway that the later phases use (login, downloader, CONNECT, reconnects) and owns
// the trust decision: an untrusted certificate blocks unless the user accepted it (--servercert
// PIN, or "yes" on a terminal). The acceptance is recorded in preferences.xml, and every later
// connection warns until the certificate validates normally (then the record is cleared).
//
// It also owns the loaded preferences, because the login records the gateway's certificate
// hash and group in the same file.
//
// Thread affinity: the flow's thread. The io_context, options, prompter and logger must outlive
// the connector.

#include "base/log.h"
#include "base/result.h"
#include "base/time.h"
#include "client/connect_options.h"
#include "client/https_session.h"
#include "client/preferences.h"
#include "client/prompt.h"
#include "proto/http/url.h"
#include "tls/credentials.h"

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>
#include <vector>

namespace sekisho::client {

// The limit on one HTTP exchange with the gateway (login, downloads, CONNECT).
inline constexpr Duration kHttpTimeout = seconds(30);

class GatewayConnector {
 public:
  // `prefs` as loaded from preferences.xml; `prefs_usable` false when loading failed (then the
  // preferences are consulted but never saved). Certificates accepted earlier are trusted (with
  // a warning) in addition to --servercert.
  GatewayConnector(boost::asio::io_context& io, const ConnectOptions& options, proto::http::Url url,
                   Preferences prefs, bool prefs_usable, Prompter& prompter, const Logger& log);

  // (Re)builds the TLS credentials from the options and the accepted pins. Errors: those of
  // tls::ClientCredentials::Load (bad CA file, certificate or key): the flow cannot start.
  Result<void> LoadCredentials();

  // A new TLS connection to the gateway; `report` prints the TLS progress lines (the first
  // connection only). Asks the user once when the certificate is not trusted. Errors: kUntrusted
  // (refused, or declined), and those of TlsConnection::Open.
  Result<std::unique_ptr<TlsConnection>> OpenTls(bool report);

  // The login ended up on another gateway (a cluster redirect, AuthDialogue::url()): every
  // later connection goes to `url`'s host and port, validated for that name. Acceptances
  // recorded for that host apply; --servercert is strict only for the host the user gave, and
  // for the new host only accepts a certificate that does not validate.
  // Errors: those of LoadCredentials.
  Result<void> SwitchHost(const proto::http::Url& url);

  // Writes preferences.xml when it is usable; a failure only warns.
  void SavePrefs();

  const proto::http::Url& url() const { return url_; }
  // "host:port", the gateway's key in preferences.xml.
  const std::string& gateway_key() const { return gateway_key_; }
  // The address of the last connection (for the host route, DTLS and the script).
  const std::string& gateway_ip() const { return gateway_ip_; }
  Preferences& prefs() { return prefs_; }
  bool prefs_usable() const { return prefs_usable_; }

 private:
  // Warns about, records or clears a pin-based acceptance of the connection's certificate.
  void CheckTrust(TlsConnection& conn);
  // Sets the key and the pins for url_'s host.
  void SelectHost();

  boost::asio::io_context& io_;
  const ConnectOptions& options_;
  Prompter& prompter_;
  Logger log_;

  proto::http::Url url_;
  std::string gateway_key_;
  std::string original_key_;  // the host the user gave: --servercert applies there
  Preferences prefs_;
  bool prefs_usable_ = false;
  std::vector<std::string> pins_;           // acceptances: allow an untrusted certificate
  std::vector<std::string> required_pins_;  // --servercert: the certificate must match one
  std::shared_ptr<const tls::ClientCredentials> creds_;
  bool trust_warned_ = false;
  std::string gateway_ip_;
};

}  // namespace sekisho::client
