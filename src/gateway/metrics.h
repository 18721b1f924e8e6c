#pragma once
// Gateway metrics for Prometheus ([metrics] listen, docs/config.md): a pure model and the text
// exposition format 0.0.4 renderer. No I/O here: MetricsListener (metrics_listener.h) serves
// the text, the Gateway fills MetricsInputs from its registry, login front and processes.
//
//   GatewayMetrics     counters and histograms main accumulates while it runs (logins by
//                      outcome, password-check and handshake latency)
//   MetricsInputs      a snapshot of everything else (sessions, traffic totals, processes)
//   CollectMetrics()   both -> metric families with their sekishod_* names
//   RenderExposition() families -> "text/plain; version=0.0.4" body
//
// Thread affinity: main's event-loop thread; nothing here is thread-safe.

#include "base/time.h"

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sekisho::gateway {

// --- exposition model ---

enum class MetricType { kCounter, kGauge, kHistogram };

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

struct MetricSample {
  MetricLabels labels;
  double value = 0;
};

// Cumulative bucket counts as Prometheus wants them are derived when rendering; here each
// bucket counts the observations <= its bound and above the previous one.
class Histogram {
 public:
  // REQUIRES: `upper_bounds` ascending, finite.
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);

  const std::vector<double>& upper_bounds() const { return bounds_; }
  // One per bound plus a last one for +Inf.
  const std::vector<std::uint64_t>& bucket_counts() const { return buckets_; }
  double sum() const { return sum_; }
  std::uint64_t count() const { return count_; }

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> buckets_;
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

struct MetricFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<MetricSample> samples;                           // counters and gauges
  std::vector<std::pair<MetricLabels, Histogram>> histograms;  // kHistogram only
};

// Label values: backslash, double quote and newline escaped (exposition format 0.0.4).
std::string EscapeLabelValue(std::string_view value);
// HELP text: backslash and newline escaped.
std::string EscapeHelp(std::string_view help);
// Sample values: integers without exponent or fraction, "+Inf"/"-Inf"/"NaN", else the
// shortest round-trip decimal.
std::string FormatSampleValue(double value);

// The whole exposition body, families in the given order, ending in a newline.
std::string RenderExposition(const std::vector<MetricFamily>& families);

// --- what main counts ---

// Why a login attempt ended; the `reason` label of sekishod_logins_failed_total.
enum class LoginOutcome {
  kOk,
  kBadPassword,  // wrong password, unknown user, or a group the user may not use
  kThrottled,    // refused unchecked: too many recent failures (auth.throttle)
  kLocked,       // certificate login of a user locked in the password file
  kLimit,        // tunnel.max_sessions or max_sessions_per_user reached
  kCertificate,  // a client certificate that names no usable user or group
};
inline constexpr std::size_t kLoginOutcomeCount = 6;
std::string_view LoginOutcomeLabel(LoginOutcome outcome);  // "ok", "bad_password", ...

class GatewayMetrics {
 public:
  GatewayMetrics();

  void CountLogin(LoginOutcome outcome) { ++logins_[static_cast<std::size_t>(outcome)]; }
  std::uint64_t logins(LoginOutcome outcome) const {
    return logins_[static_cast<std::size_t>(outcome)];
  }
  // Time main spent deciding a credentials request (password check in the security module
  // included), from receiving it to the answer.
  void ObserveLogin(Duration took);
  const Histogram& login_seconds() const { return login_seconds_; }
  // From main's accept to the worker's report that the TLS handshake is done (the hand-over
  // to the worker included).
  void ObserveHandshake(Duration took);
  const Histogram& handshake_seconds() const { return handshake_seconds_; }

 private:
  std::array<std::uint64_t, kLoginOutcomeCount> logins_{};
  Histogram login_seconds_;
  Histogram handshake_seconds_;
};

// A snapshot of the gateway's state at scrape time.
struct MetricsInputs {
  struct SessionKey {
    std::string group;
    std::string channel;  // "tls", "dtls", or "none" while no tunnel is up
    friend auto operator<=>(const SessionKey&, const SessionKey&) = default;
  };
  std::map<SessionKey, std::uint64_t> sessions;  // live sessions by group and channel
  std::uint64_t bytes_in = 0;                    // since start, all tunnels, IP payload bytes
  std::uint64_t bytes_out = 0;
  std::uint64_t packets_in = 0;
  std::uint64_t packets_out = 0;
  std::uint64_t uptime_s = 0;
  std::uint64_t dtls_fallbacks = 0;  // tunnels whose data went back from DTLS to TLS
  struct Process {
    std::string role;            // "worker" or "secmod"
    std::uint64_t up = 0;        // running now
    std::uint64_t restarts = 0;  // since the gateway started
  };
  std::vector<Process> processes;  // empty with --single-process
};

std::vector<MetricFamily> CollectMetrics(const MetricsInputs& inputs,
                                         const GatewayMetrics& counted);

}  // namespace sekisho::gateway
