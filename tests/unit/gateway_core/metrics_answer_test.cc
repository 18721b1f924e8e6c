// MetricsAnswer: what the metrics listener answers to a parsed request.
#include "gateway/metrics_listener.h"

#include <gtest/gtest.h>

namespace sekisho::gateway {
namespace {

proto::http::HttpRequest Request(std::string method, std::string target) {
  proto::http::HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  return request;
}

TEST(MetricsAnswerTest, ServesOnlyGetMetrics) {
  int rendered = 0;
  auto render = [&] {
    ++rendered;
    return std::string("sekishod_up 1\n");
  };
  auto ok = MetricsAnswer(Request("GET", "/metrics"), render);
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(ok.body, "sekishod_up 1\n");
  ASSERT_NE(ok.Find("Content-Type"), nullptr);
  EXPECT_EQ(*ok.Find("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(MetricsAnswer(Request("GET", "/metrics?name[]=x"), render).status, 200u);
  EXPECT_EQ(rendered, 2);

  for (auto [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"POST", "/metrics"},
                                                        {"HEAD", "/metrics"},
                                                        {"GET", "/"},
                                                        {"GET", "/metrics/x"},
                                                        {"GET", "/metricsx"},
                                                        {"GET", "*"}}) {
    EXPECT_EQ(MetricsAnswer(Request(method, target), render).status, 404u) << method << target;
  }
  EXPECT_EQ(rendered, 2);  // nothing is rendered for a 404
}

}  // namespace
}  // namespace sekisho::gateway
