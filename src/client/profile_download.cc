#include "client/profile_download.h"

#include "client/https_session.h"
#include "client/progress.h"
#include "client/xdg_paths.h"
#include "proto/http/message.h"

#include <fmt/format.h>

#include <memory>
#include <utility>

namespace sekisho::client {

namespace http = proto::http;

Result<void> DownloadProfiles(const AuthResult& auth, const std::string& config_dir,
                              const AuthDialogue& dialogue, GatewayConnector& connector,
                              DownloadPolicy policy) {
  const http::Url& url = connector.url();
  if (auth.profiles.empty() || config_dir.empty()) {
    Say("Downloader: nothing announced");
    return Ok();
  }
  ProfileCache cache(GatewayDir(config_dir, url.host, url.port), url);
  std::unique_ptr<HttpsSession> session;
  int fetched = 0;
  int current = 0;
  for (const auto& entry : auth.profiles) {
    if (!cache.NeedsDownload(entry)) {
      ++current;
      continue;
    }
    auto fetch = [&]() -> Result<std::string> {
      SEKISHO_ASSIGN_OR_RETURN(std::string target, cache.RequestTarget(entry));
      http::HttpRequest request = dialogue.BuildGet(target);
      for (int attempt = 0; attempt < 2; ++attempt) {
        if (!session || !session->reusable()) {
          SEKISHO_ASSIGN_OR_RETURN(auto conn, connector.OpenTls(false));
          session = std::make_unique<HttpsSession>(std::move(conn));
        }
        Result<http::HttpResponse> response = session->Exchange(request, kHttpTimeout);
        if (!response && response.error().code == Errc::kClosed && attempt == 0) {
          session.reset();
          continue;
        }
        if (!response) {
          return Fail(response.error());
        }
        if (response->status != 200) {
          return Fail(Errc::kProtocol, fmt::format("GET {}: HTTP {}", target, response->status));
        }
        SEKISHO_TRY(cache.StoreDownloaded(entry, response->body));
        return target;
      }
      return Fail(Errc::kClosed, "the gateway closed the connection");
    };
    Result<std::string> done = fetch();
    if (done) {
      ++fetched;
      Say("Downloader: fetched profile {}", *done);
      continue;
    }
    if (IsMandatory(entry, policy)) {
      return Fail(done.error().code,
                  "mandatory profile download failed: " + done.error().ToString());
    }
    Say("Downloader: WARNING: profile {} not downloaded: {}", entry.uri, done.error().ToString());
  }
  Say("Downloader: {} profile(s) downloaded, {} already up to date", fetched, current);
  return Ok();
}

}  // namespace sekisho::client
