#pragma once
// Preferences: the client's small persistent model, <config>/preferences.xml (xdg_paths.h).
// Per gateway (keyed by GatewayKey: "host:port"):
//   * server-cert-hash: the SHA-1 the gateway announced at the last successful login
//     (AuthResult::server_cert_hash), compared at the next login (CompareServerCertHash);
//   * last-group: the group used at the last successful login;
//   * certificate acceptances: when the user accepted a certificate that failed validation
//     (by --servercert pin or an interactive "yes"), the pin ("pin-sha256:<base64>") and why
//     validation failed. The TLS layer accepts that pin later but warns on every connection
//     until the certificate validates (docs/client.md, "Certificate acceptance").
//
// File format (written by Serialize, read by Parse; unknown elements and attributes are
// ignored so later versions can add to it):
//
//   <?xml version="1.0"?>
//   <sekisho-preferences version="1">
//     <gateway key="vpn.example.com:443">
//       <server-cert-hash>D27A5A0A...</server-cert-hash>
//       <last-group>Employees</last-group>
//       <accepted-cert pin="pin-sha256:..." reason="signer not found" how="servercert"/>
//     </gateway>
//   </sekisho-preferences>
//
// Nothing here is secret (pins and hashes are public). Not thread-safe; the client process is
// the only writer (last writer wins; the write itself is atomic).

#include "base/result.h"

#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sekisho::client {

struct CertAcceptance {
  std::string pin;     // "pin-sha256:<base64 of SHA-256 of the SPKI>" (openconnect's format)
  std::string reason;  // why validation failed, e.g. "signer not found", "hostname mismatch"
  std::string how;     // "servercert" (--servercert) or "interactive"
};

struct GatewayPrefs {
  std::string key;               // GatewayKey(host, port)
  std::string server_cert_hash;  // empty = never seen
  std::string last_group;
  std::vector<CertAcceptance> accepted_certs;

  // The acceptance record for `pin` (exact match), or nullptr.
  const CertAcceptance* FindAcceptance(std::string_view pin) const;
  // Adds or updates (reason, how) the record for `pin`.
  void Accept(std::string_view pin, std::string_view reason, std::string_view how);
  // Drops the record for `pin` (e.g. once the certificate validates again). True if removed.
  bool Forget(std::string_view pin);
};

class Preferences {
 public:
  // An empty model that Save() writes to `path`.
  explicit Preferences(std::string path = {}) : path_(std::move(path)) {}

  // Reads `path`. A missing file is an empty model (first run).
  // Errors: kIo (unreadable), kMalformed "<path>: <what>" for a corrupt file; the caller
  // reports it and may continue with an empty model, but must not Save() over the file
  // without the user's consent.
  static Result<Preferences> Load(std::string path);

  // Pure halves of Load/Save. Parse: errors kMalformed ("<source>: <what>"), kTooLarge.
  static Result<Preferences> Parse(std::string_view xml, std::string source_name);
  std::string Serialize() const;

  // Writes the file atomically with mode 0600 (creating the directory, 0700).
  // Errors: kIo naming the file.
  Result<void> Save() const;

  // Pointers and references stay valid across later Upsert() calls (a deque, not a vector).
  const GatewayPrefs* Find(std::string_view key) const;
  GatewayPrefs& Upsert(std::string_view key);

  const std::deque<GatewayPrefs>& gateways() const { return gateways_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::deque<GatewayPrefs> gateways_;
};

// The result of comparing the hash announced now with the stored one.
enum class CertHashCheck {
  kFirstSeen,  // nothing stored (no prefs, or an empty hash stored): remember it
  kSame,       // equal, case-insensitively
  kChanged,    // different: the gateway certificate changed since the last login; warn
};

// REQUIRES: new_hash is non-empty (a gateway that announces no hash needs no check).
CertHashCheck CompareServerCertHash(const GatewayPrefs* prefs, std::string_view new_hash);

}  // namespace sekisho::client
