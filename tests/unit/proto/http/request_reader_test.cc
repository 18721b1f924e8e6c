#include "proto/http/request_reader.h"

#include "trace_data.h"

#include <gtest/gtest.h>

#include <string>

namespace sekisho::proto::http {
namespace {

// Feeds `text` in chunks of `chunk` bytes until the request is done. Returns the number of
// bytes of `text` consumed, or the error.
Result<std::size_t> FeedChunks(RequestReader& reader, std::string_view text, std::size_t chunk) {
  std::size_t total = 0;
  while (total < text.size() && !reader.done()) {
    const std::string_view piece = text.substr(total, std::min(chunk, text.size() - total));
    SEKISHO_ASSIGN_OR_RETURN(std::size_t n, reader.Feed(AsBytes(piece)));
    total += n;
    if (n < piece.size()) {
      break;
    }
  }
  return total;
}

std::string InitPost() {
  return testdata::kInitPostHead + "Content-Length: " + std::to_string(testdata::kInitBody.size()) +
         "\r\n\r\n" + testdata::kInitBody;
}

TEST(RequestReaderTest, ConnectEndsAtBlankLineAnySplit) {
  const std::string wire = testdata::kConnectRequest + testdata::kFirstFrame;
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{64}, wire.size()}) {
    SCOPED_TRACE(chunk);
    RequestReader reader;
    Result<std::size_t> n = FeedChunks(reader, wire, chunk);
    ASSERT_TRUE(n.has_value()) << n.error().ToString();
    ASSERT_TRUE(reader.done());
    EXPECT_EQ(*n, testdata::kConnectRequest.size());
    HttpRequest req = reader.Take();
    EXPECT_EQ(req.method, "CONNECT");
    EXPECT_EQ(req.target, "/CSCOSSLC/tunnel");
    EXPECT_EQ(req.version, 11u);
    EXPECT_TRUE(req.body.empty());
    ASSERT_EQ(req.headers.size(), 16u);
    EXPECT_EQ(req.headers[0].name, "Host");
    EXPECT_EQ(req.headers[3].name, "X-CSTP-Version");
    EXPECT_EQ(req.headers[15].name, "X-DTLS-Accept-Encoding");
    ASSERT_NE(req.Find("x-cstp-mtu"), nullptr);
    EXPECT_EQ(*req.Find("X-CSTP-MTU"), "1390");
    EXPECT_EQ(req.Find("X-CSTP-Nope"), nullptr);
  }
}

TEST(RequestReaderTest, PostWithBodyAnySplit) {
  const std::string wire = InitPost();
  for (std::size_t chunk : {std::size_t{1}, std::size_t{5}, std::size_t{100}, wire.size()}) {
    SCOPED_TRACE(chunk);
    RequestReader reader;
    Result<std::size_t> n = FeedChunks(reader, wire, chunk);
    ASSERT_TRUE(n.has_value()) << n.error().ToString();
    ASSERT_TRUE(reader.done());
    EXPECT_EQ(*n, wire.size());
    EXPECT_TRUE(reader.keep_alive());
    HttpRequest req = reader.Take();
    EXPECT_EQ(req.method, "POST");
    EXPECT_EQ(req.body, testdata::kInitBody);
    EXPECT_EQ(*req.Find("X-Aggregate-Auth"), "1");
  }
}

TEST(RequestReaderTest, LegacyGetWithContentLengthZero) {
  RequestReader reader;
  Result<std::size_t> n = reader.Feed(AsBytes(testdata::kLegacyGet));
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, testdata::kLegacyGet.size());
  ASSERT_TRUE(reader.done());
  HttpRequest req = reader.Take();
  EXPECT_EQ(req.method, "GET");
  EXPECT_TRUE(req.body.empty());
  EXPECT_EQ(*req.Find("Content-Type"), "application/x-www-form-urlencoded");
}

TEST(RequestReaderTest, PipelinedRequests) {
  const std::string wire = InitPost() + testdata::kLegacyGet + testdata::kConnectRequest;
  RequestReader reader;
  std::string_view rest = wire;
  std::vector<std::string> methods;
  while (!rest.empty()) {
    Result<std::size_t> n = reader.Feed(AsBytes(rest));
    ASSERT_TRUE(n.has_value()) << n.error().ToString();
    ASSERT_TRUE(reader.done());
    rest.remove_prefix(*n);
    methods.push_back(reader.Take().method);
    reader.Reset();
  }
  EXPECT_EQ(methods, (std::vector<std::string>{"POST", "GET", "CONNECT"}));
}

TEST(RequestReaderTest, FeedAfterDoneConsumesNothing) {
  RequestReader reader;
  ASSERT_TRUE(reader.Feed(AsBytes(testdata::kLegacyGet)).has_value());
  Result<std::size_t> n = reader.Feed(AsBytes("GET"));
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 0u);
}

TEST(RequestReaderTest, ConnectionClose) {
  RequestReader reader;
  ASSERT_TRUE(reader.Feed(AsBytes("GET / HTTP/1.1\r\nConnection: close\r\n\r\n")).has_value());
  ASSERT_TRUE(reader.done());
  EXPECT_FALSE(reader.keep_alive());
  reader.Reset();
  ASSERT_TRUE(reader.Feed(AsBytes("GET / HTTP/1.0\r\n\r\n")).has_value());
  ASSERT_TRUE(reader.done());
  EXPECT_FALSE(reader.keep_alive());
  EXPECT_EQ(reader.Take().version, 10u);
}

TEST(RequestReaderTest, HeaderTooLarge) {
  const std::string big = "GET / HTTP/1.1\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n";
  for (std::size_t chunk : {std::size_t{1}, std::size_t{1000}, big.size()}) {
    SCOPED_TRACE(chunk);
    RequestReader reader;
    Result<std::size_t> n = FeedChunks(reader, big, chunk);
    ASSERT_FALSE(n.has_value());
    EXPECT_EQ(n.error().code, Errc::kTooLarge);
    // Sticky.
    EXPECT_FALSE(reader.Feed(AsBytes("x")).has_value());
  }
  // Many small headers add up.
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 1000; ++i) {
    many += "X-H" + std::to_string(i) + ": v\r\n";
  }
  many += "\r\n";
  RequestReader reader;
  Result<std::size_t> n = FeedChunks(reader, many, 7);
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Errc::kTooLarge);
}

TEST(RequestReaderTest, HeaderWithinCustomLimit) {
  RequestReader reader(Limits{.max_header_bytes = 100, .max_body_bytes = 10});
  Result<std::size_t> n = reader.Feed(AsBytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  ASSERT_TRUE(n.has_value());
  EXPECT_TRUE(reader.done());
}

TEST(RequestReaderTest, BodyTooLarge) {
  RequestReader reader(Limits{.max_header_bytes = 8192, .max_body_bytes = 10});
  Result<std::size_t> n = reader.Feed(AsBytes("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n"));
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Errc::kTooLarge);

  RequestReader exact(Limits{.max_header_bytes = 8192, .max_body_bytes = 10});
  n = exact.Feed(AsBytes("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789"));
  ASSERT_TRUE(n.has_value());
  EXPECT_TRUE(exact.done());
}

TEST(RequestReaderTest, TransferEncodingIsUnsupported) {
  RequestReader reader;
  Result<std::size_t> n = reader.Feed(
      AsBytes("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Errc::kUnsupported);
}

TEST(RequestReaderTest, Garbage) {
  const char* cases[] = {
      "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",  // a TLS ClientHello
      "GET / HTTP/2.0\r\n\r\n",
      "GET / FOO/1.1\r\n\r\n",
      "GET  HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "GET / HTTP/1.1\nHost: x\n\n",
  };
  for (const char* c : cases) {
    SCOPED_TRACE(c);
    RequestReader reader;
    Result<std::size_t> n = reader.Feed(AsBytes(c));
    ASSERT_FALSE(n.has_value());
    EXPECT_EQ(n.error().code, Errc::kMalformed);
    EXPECT_FALSE(reader.done());
  }
}

TEST(RequestReaderTest, ResetClearsError) {
  RequestReader reader;
  ASSERT_FALSE(reader.Feed(AsBytes("BAD\r\n\r\n")).has_value());
  reader.Reset();
  ASSERT_TRUE(reader.Feed(AsBytes(testdata::kLegacyGet)).has_value());
  EXPECT_TRUE(reader.done());
}

}  // namespace
}  // namespace sekisho::proto::http
