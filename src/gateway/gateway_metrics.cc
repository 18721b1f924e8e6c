// The Gateway's side of the Prometheus endpoint and of `sekishoctl terminate user`: kept out of
// gateway.cc so that file stays about the daemon's lifecycle.

#include "base/strings.h"
#include "gateway/gateway.h"

namespace sekisho::gateway {

Result<void> Gateway::StartMetrics() {
  if (!config_.metrics.listen) {
    return Ok();
  }
  metrics_listener_ = std::make_unique<MetricsListener>(
      io_, [this] { return RenderExposition(CollectMetrics(CollectMetricsInputs(), metrics_)); },
      Logger(sink_, "metrics"));
  return metrics_listener_->Start(*config_.metrics.listen);
}

MetricsInputs Gateway::CollectMetricsInputs() const {
  MetricsInputs in;
  for (const auto& [id, session] : registry_->sessions()) {
    std::string channel = session->tunnel ? std::string(session->tunnel->channel()) : "none";
    ++in.sessions[{session->group, std::move(channel)}];
  }
  in.bytes_in = service_->total_bytes_in();
  in.bytes_out = service_->total_bytes_out();
  in.packets_in = service_->total_packets_in();
  in.packets_out = service_->total_packets_out();
  in.dtls_fallbacks = service_->dtls_fallbacks();
  in.uptime_s = static_cast<std::uint64_t>(
      std::chrono::duration_cast<seconds>(SteadyClock().Now() - started_).count());
  if (processes_) {
    MetricsInputs::Process workers{"worker", 0, processes_->worker_restarts()};
    for (pid_t pid : processes_->worker_pids()) {
      workers.up += pid > 0 ? 1 : 0;
    }
    in.processes.push_back(workers);
    in.processes.push_back(
        {"secmod", processes_->secmod_pid() > 0 ? 1u : 0u, processes_->secmod_restarts()});
  }
  return in;
}

std::uint64_t Gateway::TerminateUser(std::string_view user) {
  std::vector<SessionId> ids;
  for (const auto& [id, session] : registry_->sessions()) {
    if (session->user == user) {
      ids.push_back(id);
    }
  }
  for (SessionId id : ids) {
    registry_->EndSession(id, "terminated by the administrator");
  }
  log_.Info("administrator terminated user {}: {} session(s) ended", EscapeForLog(user),
            ids.size());
  return ids.size();
}

}  // namespace sekisho::gateway
