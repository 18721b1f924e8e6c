#include "proto/http/writer.h"

#include "proto/http/request_reader.h"
#include "proto/http/response_reader.h"
#include "trace_data.h"

#include <gtest/gtest.h>

namespace sekisho::proto::http {
namespace {

TEST(WriterTest, ConnectRequestRoundTripsExactly) {
  RequestReader reader;
  ASSERT_TRUE(reader.Feed(AsBytes(testdata::kConnectRequest)).has_value());
  ASSERT_TRUE(reader.done());
  EXPECT_EQ(SerializeRequest(reader.Take()), testdata::kConnectRequest);
}

TEST(WriterTest, PostGetsContentLengthLast) {
  HttpRequest req;
  req.method = "POST";
  req.target = "/auth";
  req.headers = {{"Host", "vpn.example.com"}, {"X-Aggregate-Auth", "1"}};
  req.body = "<xml/>";
  EXPECT_EQ(SerializeRequest(req),
            "POST /auth HTTP/1.1\r\nHost: vpn.example.com\r\nX-Aggregate-Auth: 1\r\n"
            "Content-Length: 6\r\n\r\n<xml/>");
  req.body.clear();
  EXPECT_EQ(SerializeRequest(req),
            "POST /auth HTTP/1.1\r\nHost: vpn.example.com\r\nX-Aggregate-Auth: 1\r\n"
            "Content-Length: 0\r\n\r\n");
}

TEST(WriterTest, ExistingContentLengthIsCorrectedInPlace) {
  HttpRequest req;
  req.method = "GET";
  req.target = "/";
  req.headers = {{"Content-Type", "text/plain"}, {"content-length", "999"}, {"X-Pad", "00"}};
  EXPECT_EQ(SerializeRequest(req),
            "GET / HTTP/1.1\r\nContent-Type: text/plain\r\nX-Pad: 00\r\n\r\n");
  req.body = "ab";
  EXPECT_EQ(
      SerializeRequest(req),
      "GET / HTTP/1.1\r\nContent-Type: text/plain\r\ncontent-length: 2\r\nX-Pad: 00\r\n\r\nab");
}

TEST(WriterTest, ResponseWithBody) {
  HttpResponse resp;
  resp.headers = {{"Content-Type", "text/xml"}, {"X-Transcend-Version", "1"}};
  resp.body = "<a/>";
  EXPECT_EQ(SerializeResponse(resp),
            "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nX-Transcend-Version: 1\r\n"
            "Content-Length: 4\r\n\r\n<a/>");
  resp.status = 404;
  resp.body.clear();
  EXPECT_EQ(SerializeResponse(resp),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/xml\r\nX-Transcend-Version: 1\r\n"
            "Content-Length: 0\r\n\r\n");
  HttpResponse nc;
  nc.status = 204;
  EXPECT_EQ(SerializeResponse(nc), "HTTP/1.1 204 No Content\r\n\r\n");
}

TEST(WriterTest, ConnectResponseRoundTripsExactly) {
  ResponseReader reader;
  reader.ExpectConnectResponse();
  ASSERT_TRUE(reader.Feed(AsBytes(testdata::kConnectResponse)).has_value());
  ASSERT_TRUE(reader.done());
  HttpResponse resp = reader.Take();
  EXPECT_EQ(SerializeConnectResponse(resp), testdata::kConnectResponse);
  // A Content-Length would make openconnect wait for a body: never written.
  resp.headers.push_back({"Content-Length", "0"});
  resp.body = "ignored";
  EXPECT_EQ(SerializeConnectResponse(resp), testdata::kConnectResponse);
}

TEST(WriterTest, NoHeaderInjection) {
  HttpResponse resp;
  resp.headers = {{"X-CSTP-Banner", "hi\r\nSet-Cookie: evil=1"}};
  const std::string out = SerializeConnectResponse(resp);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nX-CSTP-Banner: hi  Set-Cookie: evil=1\r\n\r\n");
  HttpRequest req;
  req.method = "GET";
  req.target = "/a b\r\nX: y";
  EXPECT_EQ(SerializeRequest(req), "GET /a%20b%0D%0AX:%20y HTTP/1.1\r\n\r\n");
}

}  // namespace
}  // namespace sekisho::proto::http
