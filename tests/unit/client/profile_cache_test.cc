#include "client/profile_cache.h"

#include "client/xdg_paths.h"
#include "client_core_test_util.h"

#include <gtest/gtest.h>

namespace sekisho::client {
namespace {

using proto::auth::ProfileEntry;

proto::http::Url Url(std::string_view text) { return *proto::http::ParseUrl(text); }

TEST(ProfileCacheTest, FileNames) {
  EXPECT_EQ(*ProfileFileName("/profiles//tmp/ocdoc/profile.xml"), "profile.xml");
  EXPECT_EQ(*ProfileFileName("/profiles%2F/tmp/ocdoc/profile.xml"), "profile.xml");
  EXPECT_EQ(*ProfileFileName("profiles%2Femployees.xml"), "employees.xml");
  EXPECT_EQ(*ProfileFileName("/CACHE/stc/profiles/my profile.xml?x=1"), "my_profile.xml");
  EXPECT_EQ(*ProfileFileName("/p/.hidden"), "_hidden");
  EXPECT_FALSE(ProfileFileName("/").has_value());
  EXPECT_FALSE(ProfileFileName("/a/..").has_value());
  EXPECT_FALSE(ProfileFileName("").has_value());
}

TEST(ProfileCacheTest, Sha1) {
  EXPECT_EQ(Sha1Hex("abc"), "A9993E364706816ABA3E25717850C26C9CD0D89D");
}

TEST(ProfileCacheTest, RequestTargets) {
  ProfileCache cache("/unused", Url("https://vpn.example.com:4443/group/"));
  EXPECT_EQ(*cache.RequestTarget({"/profiles//tmp/ocdoc/profile.xml", "X"}),
            "/profiles//tmp/ocdoc/profile.xml");  // no ":4443" appended (decision #18)
  EXPECT_EQ(*cache.RequestTarget({"profiles/p.xml", "X"}), "/group/profiles/p.xml");
  EXPECT_EQ(*cache.RequestTarget({"https://vpn.example.com:4443/CACHE/p.xml", "X"}),
            "/CACHE/p.xml");
  EXPECT_EQ(cache.RequestTarget({"https://evil.example.com:4443/p.xml", "X"}).error().code,
            Errc::kUnsupported);
  EXPECT_EQ(cache.RequestTarget({"https://vpn.example.com/p.xml", "X"}).error().code,
            Errc::kUnsupported);
  EXPECT_EQ(cache.RequestTarget({"", "X"}).error().code, Errc::kMalformed);
}

TEST(ProfileCacheTest, DownloadDecisionsAndStorage) {
  testing::TempDir dir;
  const std::string gateway_dir = GatewayDir(dir.path(), "localhost", 4443);
  ProfileCache cache(gateway_dir, Url("https://localhost:4443/"));
  const std::string body = "<AnyConnectProfile/>\n";
  ProfileEntry entry{"/profiles//tmp/ocdoc/profile.xml", Sha1Hex(body)};
  EXPECT_EQ(*cache.LocalPath(entry), gateway_dir + "/profiles/profile.xml");
  EXPECT_EQ(*ProfileCache(gateway_dir, Url("https://localhost:4443/"), "downloads")
                 .LocalPath({"/CACHE/stc/1/downloads/corp.txt", "AB"}),
            gateway_dir + "/downloads/corp.txt");

  EXPECT_TRUE(cache.NeedsDownload(entry));  // missing
  auto bad = cache.StoreDownloaded(entry, "tampered");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::kMalformed);
  EXPECT_FALSE(ReadFileIfExists(*cache.LocalPath(entry))->has_value());  // nothing written

  ProfileEntry lower = entry;
  for (char& c : lower.sha1) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  ASSERT_TRUE(cache.StoreDownloaded(lower, body).has_value());
  EXPECT_EQ(**ReadFileIfExists(*cache.LocalPath(entry)), body);
  EXPECT_FALSE(cache.NeedsDownload(entry));  // hashes match: nothing to download
  EXPECT_FALSE(cache.NeedsDownload(lower));

  ProfileEntry changed{entry.uri, Sha1Hex("new version")};
  EXPECT_TRUE(cache.NeedsDownload(changed));
  ASSERT_TRUE(cache.StoreDownloaded(changed, "new version").has_value());  // overwrites
  EXPECT_EQ(**ReadFileIfExists(*cache.LocalPath(entry)), "new version");

  ProfileEntry no_hash{entry.uri, ""};
  EXPECT_FALSE(cache.NeedsDownload(no_hash));
  EXPECT_FALSE(cache.StoreDownloaded(no_hash, body).has_value());
}

TEST(ProfileCacheTest, Mandatory) {
  ProfileEntry entry{"/p.xml", "AB"};
  EXPECT_TRUE(IsMandatory(entry, DownloadPolicy::kRequired));
  EXPECT_FALSE(IsMandatory(entry, DownloadPolicy::kBestEffort));
  EXPECT_FALSE(IsMandatory(ProfileEntry{"/p.xml", ""}, DownloadPolicy::kRequired));
}

}  // namespace
}  // namespace sekisho::client
