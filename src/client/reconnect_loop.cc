#include "client/reconnect_loop.h"

#include "client/https_session.h"
#include "client/progress.h"
#include "client/script_env.h"

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

constexpr std::uint32_t kDefaultDisconnectedTimeoutS = 300;
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
      signals_(io) {}

void ReconnectLoop::CatchSignals() {
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  ArmSignals();
}

void ReconnectLoop::ArmSignals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal_number) {
    if (ec) {
      return;
    }
    Say("Received {}; logging off", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
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
    params.rekey = RekeyConfig(connected->response);
    params.open_tunnel = [this](const std::function<void()>& before_connect) {
      return ConnectTunnel(connector_, options_, cookie_, tun_.addressing(), false,
                           before_connect);
    };
    std::uint32_t disconnected_timeout =
        connected->response.disconnected_timeout_s.value_or(kDefaultDisconnectedTimeoutS);
    if (params.rekey.method != proto::session::RekeyMethod::kNone &&
        params.rekey.interval > Duration(0)) {
      Say("Rekey: every {} s by {} (X-CSTP-Rekey-Method)",
          connected->response.rekey_time_s, proto::session::RekeyMethodName(params.rekey.method));
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
      if (auto applied =
              tun_.SetUp(*connected, ScriptReason::kReconnect, connector_.gateway_ip());
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
        if (ClientNow() + backoff > give_up) {
          Say("Reconnect: gave up after {} s", disconnected_timeout);
          return 1;
        }
        if (!SleepInterruptible(backoff)) {
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

}  // namespace sekisho::client
