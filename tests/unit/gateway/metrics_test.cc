// The Prometheus model and renderer: exact exposition text, escaping, histogram buckets, and
// MetricsAnswer's routing.
#include "gateway/metrics.h"

#include "gateway/config.h"
#include "unit/gateway/minimal_config.h"

#include <gtest/gtest.h>

#include <limits>

namespace sekisho::gateway {
namespace {

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(EscapeLabelValue("plain"), "plain");
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(EscapeHelp("x\\y\nz \"q\""), "x\\\\y\\nz \"q\"");
}

TEST(MetricsTest, FormatsValues) {
  EXPECT_EQ(FormatSampleValue(0), "0");
  EXPECT_EQ(FormatSampleValue(12345678901234.0), "12345678901234");
  EXPECT_EQ(FormatSampleValue(0.25), "0.25");
  EXPECT_EQ(FormatSampleValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatSampleValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatSampleValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(MetricsTest, RendersExactExposition) {
  std::vector<MetricFamily> families;
  MetricFamily gauge{"x_sessions", "Sessions.\nSecond line.", MetricType::kGauge, {}, {}};
  gauge.samples.push_back({{{"group", "staff \"A\""}, {"channel", "dtls"}}, 2});
  gauge.samples.push_back({{}, 0});
  families.push_back(gauge);
  MetricFamily histogram{"x_seconds", "Latency.", MetricType::kHistogram, {}, {}};
  Histogram h({0.25, 1});
  h.Observe(0.125);
  h.Observe(0.25);  // on the bound: counts in that bucket (le = less or equal)
  h.Observe(4);
  histogram.histograms.emplace_back(MetricLabels{}, h);
  families.push_back(histogram);

  EXPECT_EQ(RenderExposition(families),
            "# HELP x_sessions Sessions.\\nSecond line.\n"
            "# TYPE x_sessions gauge\n"
            "x_sessions{group=\"staff \\\"A\\\"\",channel=\"dtls\"} 2\n"
            "x_sessions 0\n"
            "# HELP x_seconds Latency.\n"
            "# TYPE x_seconds histogram\n"
            "x_seconds_bucket{le=\"0.25\"} 2\n"
            "x_seconds_bucket{le=\"1\"} 2\n"
            "x_seconds_bucket{le=\"+Inf\"} 3\n"
            "x_seconds_sum 4.375\n"
            "x_seconds_count 3\n");
}

TEST(MetricsTest, CollectsGatewayFamilies) {
  MetricsInputs in;
  in.sessions[{"staff", "dtls"}] = 1;
  in.sessions[{"guests", "none"}] = 2;
  in.bytes_in = 100;
  in.bytes_out = 200;
  in.packets_in = 3;
  in.packets_out = 4;
  in.dtls_fallbacks = 1;
  in.processes = {{"worker", 2, 1}, {"secmod", 1, 0}};
  GatewayMetrics counted;
  counted.CountLogin(LoginOutcome::kOk);
  counted.CountLogin(LoginOutcome::kBadPassword);
  counted.CountLogin(LoginOutcome::kBadPassword);
  counted.CountLogin(LoginOutcome::kThrottled);
  counted.ObserveLogin(std::chrono::milliseconds(3));
  counted.ObserveHandshake(std::chrono::milliseconds(30));
  const std::string text = RenderExposition(CollectMetrics(in, counted));

  for (const char* line : {
           "sekishod_up 1\n",
           "sekishod_sessions{group=\"guests\",channel=\"none\"} 2\n",
           "sekishod_sessions{group=\"staff\",channel=\"dtls\"} 1\n",
           "sekishod_tunnel_bytes_total{direction=\"in\"} 100\n",
           "sekishod_tunnel_bytes_total{direction=\"out\"} 200\n",
           "sekishod_tunnel_packets_total{direction=\"out\"} 4\n",
           "sekishod_logins_ok_total 1\n",
           "sekishod_logins_failed_total{reason=\"bad_password\"} 2\n",
           "sekishod_logins_failed_total{reason=\"throttled\"} 1\n",
           "sekishod_logins_failed_total{reason=\"locked\"} 0\n",
           "sekishod_logins_failed_total{reason=\"limit\"} 0\n",
           "sekishod_logins_failed_total{reason=\"certificate\"} 0\n",
           "sekishod_dtls_fallbacks_total 1\n",
           "sekishod_login_duration_seconds_bucket{le=\"0.005\"} 1\n",
           "sekishod_login_duration_seconds_count 1\n",
           "sekishod_handshake_duration_seconds_bucket{le=\"0.025\"} 0\n",
           "sekishod_handshake_duration_seconds_bucket{le=\"0.05\"} 1\n",
           "sekishod_handshake_duration_seconds_sum 0.03\n",
           "sekishod_processes_up{role=\"worker\"} 2\n",
           "sekishod_process_restarts_total{role=\"worker\"} 1\n",
           "# TYPE sekishod_logins_failed_total counter\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  }
  // The "ok" outcome has its own counter, not a failure reason.
  EXPECT_EQ(text.find("reason=\"ok\""), std::string::npos);
}

TEST(MetricsTest, NoProcessFamiliesInSingleProcessForm) {
  const std::string text = RenderExposition(CollectMetrics(MetricsInputs{}, GatewayMetrics{}));
  EXPECT_EQ(text.find("sekishod_processes_up"), std::string::npos);
  EXPECT_NE(text.find("sekishod_sessions"), std::string::npos);
}

}  // namespace
}  // namespace sekisho::gateway

namespace sekisho::gateway {
namespace {

constexpr std::string_view kConfigBase = test_configs::kMinimalConfig;

TEST(MetricsConfigTest, UnsetMeansNoListener) {
  auto config = ParseConfig(kConfigBase, "/etc/sekisho/sekishod.toml");
  ASSERT_TRUE(config) << config.error().ToString();
  EXPECT_FALSE(config->metrics.listen.has_value());
  EXPECT_NE(DescribeConfig(*config).find("metrics     off\n"), std::string::npos);
}

TEST(MetricsConfigTest, ReadsAddressAndPort) {
  for (const char* listen : {"127.0.0.1:9480", "[::1]:9480"}) {
    auto config = ParseConfig(std::string(kConfigBase) + "[metrics]\nlisten = \"" + listen + "\"\n",
                              "/etc/sekisho/sekishod.toml");
    ASSERT_TRUE(config) << config.error().ToString();
    EXPECT_EQ(config->metrics.listen, listen);
    EXPECT_NE(DescribeConfig(*config).find(std::string("metrics     http://") + listen),
              std::string::npos);
  }
}

TEST(MetricsConfigTest, BadListenIsReportedWithItsLine) {
  for (const char* listen : {"localhost:9480", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000",
                             "::1:9480", "127.0.0.1:94a0"}) {
    auto config = ParseConfig(std::string(kConfigBase) + "[metrics]\nlisten = \"" + listen + "\"\n",
                              "/etc/sekisho/sekishod.toml");
    ASSERT_FALSE(config) << listen;
    EXPECT_NE(config.error().context.find("sekishod.toml:10"), std::string::npos)
        << config.error().context;
    EXPECT_NE(config.error().context.find("metrics.listen"), std::string::npos);
  }
  auto unknown = ParseConfig(std::string(kConfigBase) + "[metrics]\nport = 9480\n",
                             "/etc/sekisho/sekishod.toml");
  EXPECT_FALSE(unknown);
}

}  // namespace
}  // namespace sekisho::gateway
