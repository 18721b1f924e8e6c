#include "proto/http/response_reader.h"

#include "trace_data.h"

#include <gtest/gtest.h>

#include <string>

namespace sekisho::proto::http {
namespace {

Result<std::size_t> FeedChunks(ResponseReader& reader, std::string_view text, std::size_t chunk) {
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

std::string AuthComplete() {
  return testdata::kAuthCompleteHead +
         "Content-Length: " + std::to_string(testdata::kAuthCompleteBody.size()) + "\r\n" +
         testdata::kAuthCompleteCookies + "\r\n" + testdata::kAuthCompleteBody;
}

TEST(ResponseReaderTest, OcservAuthCompleteAnySplit) {
  const std::string wire = AuthComplete();
  for (std::size_t chunk : {std::size_t{1}, std::size_t{13}, wire.size()}) {
    SCOPED_TRACE(chunk);
    ResponseReader reader;
    Result<std::size_t> n = FeedChunks(reader, wire, chunk);
    ASSERT_TRUE(n.has_value()) << n.error().ToString();
    ASSERT_TRUE(reader.done());
    EXPECT_EQ(*n, wire.size());
    EXPECT_TRUE(reader.keep_alive());
    HttpResponse resp = reader.Take();
    EXPECT_EQ(resp.status, 200u);
    EXPECT_EQ(resp.reason, "OK");
    EXPECT_EQ(resp.body, testdata::kAuthCompleteBody);
    EXPECT_EQ(resp.FindAll("Set-Cookie").size(), 4u);
  }
}

TEST(ResponseReaderTest, ConnectResponseLeavesFirstFrame) {
  const std::string wire = testdata::kConnectResponse + testdata::kFirstFrame;
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{50}, wire.size()}) {
    SCOPED_TRACE(chunk);
    ResponseReader reader;
    reader.ExpectConnectResponse();
    Result<std::size_t> n = FeedChunks(reader, wire, chunk);
    ASSERT_TRUE(n.has_value()) << n.error().ToString();
    ASSERT_TRUE(reader.done());
    EXPECT_EQ(*n, testdata::kConnectResponse.size());
    HttpResponse resp = reader.Take();
    EXPECT_EQ(resp.status, 200u);
    EXPECT_EQ(resp.reason, "CONNECTED");
    EXPECT_EQ(resp.headers.size(), 36u);
    EXPECT_EQ(*resp.Find("X-DTLS-CipherSuite"), "PSK-NEGOTIATE");
    EXPECT_TRUE(resp.body.empty());
  }
}

TEST(ResponseReaderTest, ConnectErrorHasBody) {
  const std::string wire = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 5\r\n\r\nnope!";
  ResponseReader reader;
  reader.ExpectConnectResponse();
  Result<std::size_t> n = reader.Feed(AsBytes(wire));
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, wire.size());
  ASSERT_TRUE(reader.done());
  EXPECT_EQ(reader.Take().body, "nope!");
}

TEST(ResponseReaderTest, WithoutExpectConnectA200NeedsEof) {
  // A plain reader must not take CSTP bytes for the end of the head: it reads to EOF.
  ResponseReader reader;
  const std::string wire = testdata::kConnectResponse + testdata::kFirstFrame;
  Result<std::size_t> n = reader.Feed(AsBytes(wire));
  ASSERT_TRUE(n.has_value());
  EXPECT_FALSE(reader.done());
  ASSERT_TRUE(reader.FinishAtEof().has_value());
  ASSERT_TRUE(reader.done());
  EXPECT_EQ(reader.Take().body, testdata::kFirstFrame);
}

TEST(ResponseReaderTest, HeadResponseHasNoBody) {
  ResponseReader reader;
  reader.ExpectHeadResponse();
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n";
  Result<std::size_t> n = reader.Feed(AsBytes(wire + "HTTP/1.1"));
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, wire.size());
  EXPECT_TRUE(reader.done());
}

TEST(ResponseReaderTest, ChunkedAsaStyle) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\n"
      "Content-Type: text/html; charset=utf-8\r\n"
      "Transfer-Encoding: chunked\r\n"
      "Cache-Control: no-cache\r\n"
      "Connection: Keep-Alive\r\n"
      "X-Aggregate-Auth: 1\r\n"
      "\r\n"
      "6\r\n<?xml \r\n"
      "a;ext=1\r\nversion=1>\r\n"
      "0\r\n\r\n";
  for (std::size_t chunk : {std::size_t{1}, std::size_t{4}, wire.size()}) {
    SCOPED_TRACE(chunk);
    ResponseReader reader;
    Result<std::size_t> n = FeedChunks(reader, wire + "HTTP", chunk);
    ASSERT_TRUE(n.has_value()) << n.error().ToString();
    ASSERT_TRUE(reader.done());
    EXPECT_EQ(*n, wire.size());
    EXPECT_EQ(reader.Take().body, "<?xml version=1>");
  }
}

TEST(ResponseReaderTest, ChunkedBodyTooLarge) {
  ResponseReader reader(Limits{.max_header_bytes = 8192, .max_body_bytes = 8});
  const std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n";
  Result<std::size_t> n = reader.Feed(AsBytes(wire));
  ASSERT_FALSE(n.has_value());
  EXPECT_EQ(n.error().code, Errc::kTooLarge);
}

TEST(ResponseReaderTest, EndlessChunkSizeLine) {
  ResponseReader reader;
  Result<std::size_t> n =
      reader.Feed(AsBytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;"));
  ASSERT_TRUE(n.has_value());
  Result<std::size_t> r = Result<std::size_t>(std::size_t{0});
  const std::string ext(1000, 'e');
  for (int i = 0; i < 20 && r.has_value(); ++i) {
    r = reader.Feed(AsBytes(ext));
  }
  ASSERT_FALSE(r.has_value());
}

TEST(ResponseReaderTest, Http10CloseDelimited) {
  ResponseReader reader;
  ASSERT_TRUE(reader.Feed(AsBytes("HTTP/1.0 200 OK\r\n\r\nhello")).has_value());
  EXPECT_FALSE(reader.done());
  ASSERT_TRUE(reader.header_done());
  EXPECT_FALSE(reader.keep_alive());
  ASSERT_TRUE(reader.FinishAtEof().has_value());
  ASSERT_TRUE(reader.done());
  EXPECT_EQ(reader.Take().body, "hello");
}

TEST(ResponseReaderTest, EofErrors) {
  ResponseReader empty;
  Result<void> r = empty.FinishAtEof();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kClosed);

  ResponseReader cut;
  ASSERT_TRUE(cut.Feed(AsBytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")).has_value());
  r = cut.FinishAtEof();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kIncomplete);

  ResponseReader head;
  ASSERT_TRUE(head.Feed(AsBytes("HTTP/1.1 200 OK\r\nContent-")).has_value());
  r = head.FinishAtEof();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kIncomplete);
}

TEST(ResponseReaderTest, NoContentAndNotModified) {
  for (const char* wire :
       {"HTTP/1.1 204 No Content\r\n\r\n", "HTTP/1.1 304 Not Modified\r\n\r\n"}) {
    ResponseReader reader;
    ASSERT_TRUE(reader.Feed(AsBytes(wire)).has_value());
    EXPECT_TRUE(reader.done());
  }
}

TEST(ResponseReaderTest, KeepAliveSequence) {
  const std::string one = AuthComplete();
  const std::string wire = one + one;
  ResponseReader reader;
  std::string_view rest = wire;
  int count = 0;
  while (!rest.empty()) {
    Result<std::size_t> n = reader.Feed(AsBytes(rest));
    ASSERT_TRUE(n.has_value());
    ASSERT_TRUE(reader.done());
    rest.remove_prefix(*n);
    reader.Take();
    reader.Reset();
    ++count;
  }
  EXPECT_EQ(count, 2);
}

TEST(ResponseReaderTest, Garbage) {
  for (const char* wire : {"HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1200 OK\r\n\r\n",
                           "SSH-2.0-OpenSSH_9.2\r\n\r\n", "HTTP/1.1 200 OK\r\n: x\r\n\r\n"}) {
    SCOPED_TRACE(wire);
    ResponseReader reader;
    Result<std::size_t> n = reader.Feed(AsBytes(wire));
    ASSERT_FALSE(n.has_value());
    EXPECT_EQ(n.error().code, Errc::kMalformed);
  }
}

}  // namespace
}  // namespace sekisho::proto::http
