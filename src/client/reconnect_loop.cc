#include "client/reconnect_loop.h"

#include "client/https_session.h"
#include "client/progress.h"
#include "client/script_env.h"
#include "client/service_options.h"
#include "net/ipv4.h"

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <signal.h>
#include <unistd.h>
#include <utility>

namespace sekisho::client {
namespace {

namespace asio = boost::asio;

constexpr std::string_view kLogoutReason = "Client logged off";

proto::session::RekeySchedule::Config RekeyConfig(const proto::tunnel::ConnectResponse& response) {
  proto::session::RekeySchedule::Config config;
  config.method = proto::session::ParseRekeyMethod(response.rekey_method);
  config.interval = seconds(response.rekey_time_s);
  // A failed new tunnel is tried again soon, but well within the interval.
  config.retry_period = std::clamp<Duration>(config.interval / 10, seconds(1), seconds(30));
  return config;
}

}  // namespace

ReconnectLoop::ReconnectLoop(boost::asio::io_context& io, const ConnectOptions& options,
                             GatewayConnector& connector, TunConfigurator& tun,
                             const SecretString& cookie, const Logger& log)
    : io_(io),
      options_(options),
      connector_(connector),
      tun_(tun),
      cookie_(cookie),
      log_(log),
      signals_(io),
      status_server_(
          io, [this] { return Status(); }, log_.WithComponent("status")) {}

void ReconnectLoop::CatchSignals() {
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  // A closed terminal must not kill the client before its teardown undoes the host's DNS and
  // IPv6 changes (host_changes.h): SIGHUP ends the session like SIGTERM.
  signals_.add(SIGHUP);
  ArmSignals();
}

void ReconnectLoop::ArmSignals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal_number) {
    if (ec) {
      return;
    }
    Say("Received {}; logging off", signal_number == SIGINT   ? "SIGINT"
                                    : signal_number == SIGHUP ? "SIGHUP"
                                                              : "SIGTERM");
    stop_requested_ = true;
    if (current_tunnel_ != nullptr) {
      current_tunnel_->Stop(kLogoutReason);
    }
    ArmSignals();
  });
}

bool ReconnectLoop::SleepInterruptible(Duration wait) {
  asio::steady_timer timer(io_);
  bool fired = false;
  timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait));
  timer.async_wait([&fired](const boost::system::error_code&) { fired = true; });
  while (!fired && !stop_requested_) {
    io_.run_one();
  }
  timer.cancel();
  while (!fired) {
    io_.run_one();
  }
  return !stop_requested_;
}

int ReconnectLoop::Run(ConnectedTunnel first) {
  std::optional<ConnectedTunnel> connected = std::move(first);
  started_ = ClientNow();
  if (tun_.tun() != nullptr) {
    status_server_.Start(tun_.tun()->name());
  }
  while (true) {
    TunnelParams params;
    params.mtu = static_cast<std::uint32_t>(tun_.addressing()->mtu);
    params.dpd = seconds(connected->response.dpd_s);
    params.keepalive = seconds(connected->response.keepalive_s);
    params.dtls = connected->dtls_plan;
    params.dtls_master_secret = connected->dtls_master_secret;
    params.gateway_ip = connector_.gateway_ip();
    params.dtls_retry.retry_period = seconds(options_.dtls_retry_period_s);
    params.progress = [](const std::string& line) { Say("{}", line); };
    params.set_mtu = [this](int mtu) { return tun_.tun()->SetMtu(mtu); };
    AddDiagnosticParams(*connected, params);
    params.rekey = RekeyConfig(connected->response);
    params.open_tunnel = [this](const std::function<void()>& before_connect) {
      return ConnectTunnel(connector_, options_, cookie_, tun_.addressing(), false, before_connect);
    };
    // --reconnect-timeout caps the loop; else the gateway's value, else 300 s.
    std::uint32_t disconnected_timeout = ReconnectBudgetSeconds(
        options_.reconnect_timeout_s, connected->response.disconnected_timeout_s);
    if (params.rekey.method != proto::session::RekeyMethod::kNone &&
        params.rekey.interval > Duration(0)) {
      Say("Rekey: every {} s by {} (X-CSTP-Rekey-Method)", connected->response.rekey_time_s,
          proto::session::RekeyMethodName(params.rekey.method));
    }
    TunnelOutcome outcome;
    {
      Tunnel tunnel(io_, std::move(connected->conn), tun_.tun()->device(), params,
                    std::move(connected->leftover), log_.WithComponent("tunnel"));
      connected.reset();
      current_tunnel_ = &tunnel;
      if (stop_requested_) {
        tunnel.Stop(kLogoutReason);
      }
      outcome = tunnel.Run();
      current_tunnel_ = nullptr;
      ClientStatus last;
      last.tls = tls_total_;
      last.dtls = dtls_total_;
      tunnel.FillStatus(last);
      tls_total_ = last.tls;
      dtls_total_ = last.dtls;
      last_dtls_ = last.dtls_status;
      const TunnelCounters& c = tunnel.counters();
      log_.Info("tunnel counters: in {} packets / {} bytes, out {} packets / {} bytes",
                c.packets_in, c.bytes_in, c.packets_out, c.bytes_out);
    }
    switch (outcome.end) {
      case TunnelEnd::kUserQuit: Say("Disconnected: logged off"); return 0;
      case TunnelEnd::kGatewayDisconnect:
      case TunnelEnd::kGatewayTerminate: Say("Disconnected: {}", outcome.reason); return 2;
      case TunnelEnd::kFatal: Say("Error: {}", outcome.reason); return 1;
      case TunnelEnd::kLinkDead: break;
      case TunnelEnd::kRekeyed: break;
    }
    if (outcome.end == TunnelEnd::kRekeyed) {
      // Same session, same TUN: only the connection (and its DTLS parameters) changed.
      connected = std::move(*outcome.next);
      if (auto applied = tun_.SetUp(*connected, ScriptReason::kReconnect, connector_.gateway_ip());
          !applied) {
        Say("Error: {}", applied.error().ToString());
        return 1;
      }
      Say("Rekey: new tunnel up, address {}", connected->response.address);
      continue;
    }
    Say("Reconnect: link lost ({}); reconnecting with the session cookie", outcome.reason);
    Instant give_up = ClientNow() + seconds(disconnected_timeout);
    Duration backoff = seconds(1);
    bool first_try = true;
    while (!connected) {
      if (!first_try) {
        // Keep trying until the budget is spent: the last wait is cut to end at it.
        Instant now = ClientNow();
        if (now >= give_up) {
          Say("Reconnect: gave up after {} s", disconnected_timeout);
          return 1;
        }
        if (!SleepInterruptible(std::min<Duration>(backoff, give_up - now))) {
          Say("Disconnected: interrupted while reconnecting");
          return 0;
        }
        backoff = std::min<Duration>(backoff * 2, seconds(30));
      }
      first_try = false;
      if (!options_.script.empty() && tun_.configured()) {
        ScriptContext context;
        context.reason = ScriptReason::kAttemptReconnect;
        context.tundev = tun_.tun()->name();
        context.gateway_ip = connector_.gateway_ip();
        context.pid = static_cast<long>(::getpid());
        (void)RunScript(options_.script, BuildScriptEnvironment(context, nullptr));
      }
      Result<ConnectedTunnel> attempt =
          ConnectTunnel(connector_, options_, cookie_, tun_.addressing(), false);
      io_.poll();  // deliver a signal that arrived meanwhile
      if (stop_requested_) {
        if (attempt) {
          // Log off properly over the fresh connection.
          connected = std::move(*attempt);
          break;
        }
        Say("Disconnected: interrupted while reconnecting");
        return 0;
      }
      if (!attempt) {
        if (attempt.error().code == Errc::kAuthFailed) {
          Say("Reconnect: {}; the session is over", attempt.error().context);
          return 1;
        }
        if (attempt.error().code == Errc::kMalformed) {
          Say("Error: reconnect: {}", attempt.error().ToString());
          return 1;
        }
        Say("Reconnect: attempt failed: {}", attempt.error().ToString());
        continue;
      }
      connected = std::move(*attempt);
    }
    if (auto applied = tun_.SetUp(*connected, ScriptReason::kReconnect, connector_.gateway_ip());
        !applied) {
      Say("Error: {}", applied.error().ToString());
      return 1;
    }
    Say("Reconnect: tunnel resumed");
  }
}

// ---------------------------------------------------------------- status

void ReconnectLoop::AddDiagnosticParams(const ConnectedTunnel& connected,
                                        TunnelParams& params) const {
  params.dtls_off = options_.no_dtls                   ? DtlsCause::kDisabled
                    : !connected.dtls_unusable.empty() ? DtlsCause::kUnusable
                                                       : DtlsCause::kNotOffered;
  params.dtls_off_detail = connected.dtls_unusable;
  if (!options_.no_pmtu_probe) {
    proto::session::PathMtuProber::Config probe;
    probe.recheck_interval = seconds(options_.pmtu_recheck_s);
    params.path_mtu = probe;
  }
}

ClientStatus ReconnectLoop::Status() const {
  ClientStatus s;
  s.connected = current_tunnel_ != nullptr;
  s.gateway = options_.url;
  s.gateway_ip = connector_.gateway_ip();
  s.user = options_.user.value_or("");
  s.group = options_.authgroup.value_or("");
  s.pid = static_cast<long>(::getpid());
  s.uptime = ClientNow() - started_;
  if (const TunSetup* tun = tun_.tun()) {
    s.interface_name = tun->name();
  }
  if (tun_.addressing()) {
    s.address_ipv4 = net::FormatIpv4(tun_.addressing()->address);
    s.mtu = static_cast<std::uint32_t>(tun_.addressing()->mtu);
    s.cstp_mtu = s.mtu;
  }
  s.tls = tls_total_;
  s.dtls = dtls_total_;
  s.dtls_status = last_dtls_;
  if (current_tunnel_ != nullptr) {
    current_tunnel_->FillStatus(s);
  }
  return s;
}

}  // namespace sekisho::client
