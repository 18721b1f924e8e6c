#include "gateway/metrics.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace sekisho::gateway {
namespace {

// Login decisions and handshakes take milliseconds (a crypt(3) check, a signature) up to
// seconds (a busy security module, a slow client).
const std::vector<double> kLoginBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

void AppendLabels(std::string& out, const MetricLabels& labels) {
  if (labels.empty()) {
    return;
  }
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) {
      out += ',';
    }
    first = false;
    out += name;
    out += "=\"";
    out += EscapeLabelValue(value);
    out += '"';
  }
  out += '}';
}

void AppendSample(std::string& out, std::string_view name, const MetricLabels& labels,
                  double value) {
  out += name;
  AppendLabels(out, labels);
  out += ' ';
  out += FormatSampleValue(value);
  out += '\n';
}

void AppendHistogram(std::string& out, const std::string& name, const MetricLabels& labels,
                     const Histogram& histogram) {
  std::uint64_t cumulative = 0;
  const auto& bounds = histogram.upper_bounds();
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += histogram.bucket_counts()[i];
    MetricLabels with_le = labels;
    with_le.emplace_back("le", i < bounds.size() ? FormatSampleValue(bounds[i]) : "+Inf");
    AppendSample(out, name + "_bucket", with_le, static_cast<double>(cumulative));
  }
  AppendSample(out, name + "_sum", labels, histogram.sum());
  AppendSample(out, name + "_count", labels, static_cast<double>(histogram.count()));
}

MetricFamily Single(std::string name, std::string help, MetricType type, double value) {
  MetricFamily family{std::move(name), std::move(help), type, {}, {}};
  family.samples.push_back({{}, value});
  return family;
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), buckets_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) {
    ++i;
  }
  ++buckets_[i];
  sum_ += value;
  ++count_;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatSampleValue(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  // Counters are integers; print them exactly up to 2^53 rather than as 1.2e+07.
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    return std::to_string(static_cast<long long>(value));
  }
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : "NaN";
}

std::string RenderExposition(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& family : families) {
    out += "# HELP " + family.name + " " + EscapeHelp(family.help) + "\n";
    out += "# TYPE " + family.name + " " + std::string(TypeName(family.type)) + "\n";
    for (const MetricSample& sample : family.samples) {
      AppendSample(out, family.name, sample.labels, sample.value);
    }
    for (const auto& [labels, histogram] : family.histograms) {
      AppendHistogram(out, family.name, labels, histogram);
    }
  }
  return out;
}

std::string_view LoginOutcomeLabel(LoginOutcome outcome) {
  switch (outcome) {
    case LoginOutcome::kOk: return "ok";
    case LoginOutcome::kBadPassword: return "bad_password";
    case LoginOutcome::kThrottled: return "throttled";
    case LoginOutcome::kLocked: return "locked";
    case LoginOutcome::kLimit: return "limit";
    case LoginOutcome::kCertificate: return "certificate";
  }
  return "unknown";
}

GatewayMetrics::GatewayMetrics()
    : login_seconds_(kLoginBuckets), handshake_seconds_(kLoginBuckets) {}

void GatewayMetrics::ObserveHandshake(Duration took) {
  handshake_seconds_.Observe(std::chrono::duration<double>(took).count());
}

void GatewayMetrics::ObserveLogin(Duration took) {
  login_seconds_.Observe(std::chrono::duration<double>(took).count());
}

std::vector<MetricFamily> CollectMetrics(const MetricsInputs& inputs,
                                         const GatewayMetrics& counted) {
  std::vector<MetricFamily> out;
  out.push_back(
      Single("sekishod_up", "1 while the gateway's main process serves.", MetricType::kGauge, 1));
  out.push_back(Single("sekishod_uptime_seconds", "Seconds since the gateway started.",
                       MetricType::kGauge, static_cast<double>(inputs.uptime_s)));

  MetricFamily sessions{"sekishod_sessions",
                        "Live sessions by group and by the channel carrying their data (none: "
                        "no tunnel up, waiting for a reconnect).",
                        MetricType::kGauge,
                        {},
                        {}};
  for (const auto& [key, count] : inputs.sessions) {
    sessions.samples.push_back(
        {{{"group", key.group}, {"channel", key.channel}}, static_cast<double>(count)});
  }
  out.push_back(std::move(sessions));

  auto traffic = [&](std::string name, std::string help, std::uint64_t in, std::uint64_t out_v) {
    MetricFamily family{std::move(name), std::move(help), MetricType::kCounter, {}, {}};
    family.samples.push_back({{{"direction", "in"}}, static_cast<double>(in)});
    family.samples.push_back({{{"direction", "out"}}, static_cast<double>(out_v)});
    out.push_back(std::move(family));
  };
  traffic("sekishod_tunnel_bytes_total",
          "IP payload bytes through all tunnels (in: from clients, out: to clients).",
          inputs.bytes_in, inputs.bytes_out);
  traffic("sekishod_tunnel_packets_total",
          "IP packets through all tunnels (in: from clients, out: to clients).", inputs.packets_in,
          inputs.packets_out);

  out.push_back(Single("sekishod_logins_ok_total", "Logins that created a session.",
                       MetricType::kCounter,
                       static_cast<double>(counted.logins(LoginOutcome::kOk))));
  MetricFamily failed{"sekishod_logins_failed_total",
                      "Refused login attempts by reason.",
                      MetricType::kCounter,
                      {},
                      {}};
  for (std::size_t i = 1; i < kLoginOutcomeCount; ++i) {
    auto outcome = static_cast<LoginOutcome>(i);
    failed.samples.push_back({{{"reason", std::string(LoginOutcomeLabel(outcome))}},
                              static_cast<double>(counted.logins(outcome))});
  }
  out.push_back(std::move(failed));
  out.push_back(Single("sekishod_dtls_fallbacks_total",
                       "Tunnels whose data went back from DTLS to TLS.", MetricType::kCounter,
                       static_cast<double>(inputs.dtls_fallbacks)));

  MetricFamily login{"sekishod_login_duration_seconds",
                     "Time main took to decide a credentials request (security module password "
                     "check included).",
                     MetricType::kHistogram,
                     {},
                     {}};
  login.histograms.emplace_back(MetricLabels{}, counted.login_seconds());
  out.push_back(std::move(login));
  MetricFamily handshake{"sekishod_handshake_duration_seconds",
                         "From main's accept of a connection to its TLS handshake's end in a "
                         "worker (hand-over to the worker included).",
                         MetricType::kHistogram,
                         {},
                         {}};
  handshake.histograms.emplace_back(MetricLabels{}, counted.handshake_seconds());
  out.push_back(std::move(handshake));

  if (!inputs.processes.empty()) {
    MetricFamily up{
        "sekishod_processes_up", "Child processes running, by role.", MetricType::kGauge, {}, {}};
    MetricFamily restarts{"sekishod_process_restarts_total",
                          "Child processes restarted after they died, by role.",
                          MetricType::kCounter,
                          {},
                          {}};
    for (const MetricsInputs::Process& process : inputs.processes) {
      up.samples.push_back({{{"role", process.role}}, static_cast<double>(process.up)});
      restarts.samples.push_back({{{"role", process.role}}, static_cast<double>(process.restarts)});
    }
    out.push_back(std::move(up));
    out.push_back(std::move(restarts));
  }
  return out;
}

}  // namespace sekisho::gateway
