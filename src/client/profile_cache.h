#pragma once
// ProfileCache: the downloader's decisions for user profiles (anyconnect.md §4, issue 3
// phase 4, decisions #18 and #19). It does not talk to the network: the caller GETs each
// entry that NeedsDownload() (with AuthDialogue::BuildGet(RequestTarget(entry)), on a new TLS
// session, Cookie: webvpn) and hands the body to StoreDownloaded().
//
//   for (const auto& entry : auth.profiles) {
//     if (!cache.NeedsDownload(entry)) continue;          // hashes match: nothing to do
//     Result<void> r = fetch-and-store(entry);
//     if (!r && IsMandatory(entry, policy)) fail the attempt with r.error();
//     if (!r) warn and continue;
//   }
//
// Files: <gateway_dir>/<subdir>/<name> (profiles/ or downloads/), where <name> is
// ProfileFileName(uri). A downloaded profile overwrites the local copy atomically (temp file +
// rename, mode 0600), and only after its SHA-1 matched the announced hash, so a bad download never
// replaces a good copy.
//
// The only I/O is reading/writing those files. Not thread-safe.

#include "base/result.h"
#include "proto/auth/server_message.h"
#include "proto/http/url.h"

#include <string>
#include <string_view>

namespace sekisho::client {

// What a failed download of an announced profile does to the connection attempt
// (decision #19). kRequired (default, Cisco-like): profiles announced in the manifest are
// mandatory and a failure ends the attempt. kBestEffort (openconnect): warn and connect.
enum class DownloadPolicy { kRequired, kBestEffort };

// Whether a failed download of `entry` ends the attempt under `policy`. Entries without an
// announced hash are never mandatory (nothing to verify them against).
bool IsMandatory(const proto::auth::ProfileEntry& entry, DownloadPolicy policy);

// The local file name for a profile URI: the last '/'-separated segment of the %-decoded path
// (query dropped), bytes outside [A-Za-z0-9._-] replaced by '_', leading dots replaced by '_'.
// "/profiles//tmp/ocdoc/profile.xml" → "profile.xml", "profiles%2Femployees.xml" →
// "employees.xml". Errors: kMalformed when nothing usable remains (empty, "/", "..").
Result<std::string> ProfileFileName(std::string_view uri);

// SHA-1 of `data` as uppercase hex (40 digits), the manifest's spelling.
std::string Sha1Hex(std::string_view data);

class ProfileCache {
 public:
  // gateway_dir: GatewayDir(config_dir, host, port). base_url: the gateway URL the user gave
  // (relative URIs resolve against it). `subdir`: "profiles" for vpn-profile-manifest entries,
  // "downloads" for the files of vpn-core-manifest that carry a hash.
  ProfileCache(std::string gateway_dir, proto::http::Url base_url,
               std::string_view subdir = "profiles");

  // "<gateway_dir>/profiles/<ProfileFileName(entry.uri)>". Errors: those of ProfileFileName.
  Result<std::string> LocalPath(const proto::auth::ProfileEntry& entry) const;

  // True when the entry has an announced hash and the local copy is missing, unreadable or
  // its SHA-1 differs from entry.sha1 (case-insensitive). False when the hashes match, when
  // the entry has no hash (nothing to compare; openconnect skips those too) or no usable name.
  bool NeedsDownload(const proto::auth::ProfileEntry& entry) const;

  // Verifies SHA-1(body) against entry.sha1 (case-insensitive), then writes the file
  // atomically. Errors: kMalformed "downloaded profile <name> does not match its announced
  // SHA-1" (nothing written), kMalformed for an unusable name or a missing hash, kIo.
  Result<void> StoreDownloaded(const proto::auth::ProfileEntry& entry, std::string_view body) const;

  // The request target to GET: the URI as given when it is an absolute path; a relative URI
  // resolved against the directory of the base URL path; an https URL on the same host and
  // port reduced to its path. Unlike openconnect, no ":<port>" is appended (decision #18).
  // Errors: kUnsupported for another host, port or scheme; kMalformed for an empty URI.
  Result<std::string> RequestTarget(const proto::auth::ProfileEntry& entry) const;

  const std::string& profiles_dir() const { return profiles_dir_; }

 private:
  std::string profiles_dir_;
  proto::http::Url base_url_;
};

}  // namespace sekisho::client
