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

namespace {

// One kind of announced file (profiles, or the core manifest's downloads) into one cache
// directory, sharing the downloader's TLS session.
class FileFetcher {
 public:
  FileFetcher(const AuthDialogue& dialogue, GatewayConnector& connector, DownloadPolicy policy)
      : dialogue_(dialogue), connector_(connector), policy_(policy) {}

  // Errors: the failure of a mandatory download (see DownloadProfiles).
  Result<void> FetchStale(const std::vector<proto::auth::ProfileEntry>& entries,
                          const ProfileCache& cache, std::string_view kind) {
    for (const auto& entry : entries) {
      if (!cache.NeedsDownload(entry)) {
        ++current_;
        continue;
      }
      Result<std::string> done = Fetch(entry, cache);
      if (done) {
        ++fetched_;
        Say("Downloader: fetched {} {}", kind, *done);
        continue;
      }
      if (IsMandatory(entry, policy_)) {
        return Fail(done.error().code,
                    fmt::format("mandatory {} download failed: {}", kind, done.error().ToString()));
      }
      Say("Downloader: WARNING: {} {} not downloaded: {}", kind, entry.uri,
          done.error().ToString());
    }
    return Ok();
  }

  int fetched() const { return fetched_; }
  int current() const { return current_; }

 private:
  // GETs one entry (one retry on a connection the gateway closed) and stores it.
  Result<std::string> Fetch(const proto::auth::ProfileEntry& entry, const ProfileCache& cache) {
    SEKISHO_ASSIGN_OR_RETURN(std::string target, cache.RequestTarget(entry));
    http::HttpRequest request = dialogue_.BuildGet(target);
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!session_ || !session_->reusable()) {
        SEKISHO_ASSIGN_OR_RETURN(auto conn, connector_.OpenTls(false));
        session_ = std::make_unique<HttpsSession>(std::move(conn));
      }
      Result<http::HttpResponse> response = session_->Exchange(request, kHttpTimeout);
      if (!response && response.error().code == Errc::kClosed && attempt == 0) {
        session_.reset();
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
  }

  const AuthDialogue& dialogue_;
  GatewayConnector& connector_;
  DownloadPolicy policy_;
  std::unique_ptr<HttpsSession> session_;  // the downloader's own TLS session
  int fetched_ = 0;
  int current_ = 0;
};

}  // namespace

Result<void> DownloadProfiles(const AuthResult& auth, const std::string& config_dir,
                              const AuthDialogue& dialogue, GatewayConnector& connector,
                              DownloadPolicy policy) {
  const http::Url& url = connector.url();
  if ((auth.profiles.empty() && auth.core_files.empty()) || config_dir.empty()) {
    Say("Downloader: nothing announced");
    return Ok();
  }
  const std::string gateway_dir = GatewayDir(config_dir, url.host, url.port);
  FileFetcher fetcher(dialogue, connector, policy);
  SEKISHO_TRY(fetcher.FetchStale(auth.profiles, ProfileCache(gateway_dir, url), "profile"));
  SEKISHO_TRY(
      fetcher.FetchStale(auth.core_files, ProfileCache(gateway_dir, url, "downloads"), "file"));
  Say("Downloader: {} file(s) downloaded, {} already up to date", fetcher.fetched(),
      fetcher.current());
  return Ok();
}

}  // namespace sekisho::client
