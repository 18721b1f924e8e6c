#pragma once
// Phase 4 of the connect flow (connect_flow.h), the downloader: after the login, on a NEW TLS
// session, one GET per announced file that ProfileCache says is stale — the profiles of
// vpn-profile-manifest into profiles/, the hashed files of vpn-core-manifest (sekishod's
// [downloads]) into downloads/ — each checked against its SHA-1 and stored in the gateway's
// cache directory. One progress line per file and a summary.

#include "base/result.h"
#include "client/auth_dialogue.h"
#include "client/gateway_connector.h"
#include "client/profile_cache.h"

#include <string>

namespace sekisho::client {

// Downloads the stale profiles and files of `auth` into <config_dir>/<gateway>/. Nothing to do (and
// Ok) when nothing is announced or there is no configuration directory. A failed optional download
// only warns. Errors: the failure of a mandatory download under `policy` (the error of the
// connection, kProtocol for an HTTP status other than 200, or the cache's store error): the
// caller ends the attempt.
Result<void> DownloadProfiles(const AuthResult& auth, const std::string& config_dir,
                              const AuthDialogue& dialogue, GatewayConnector& connector,
                              DownloadPolicy policy);

}  // namespace sekisho::client
