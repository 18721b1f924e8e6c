#include "gateway/systemd_notify.h"

#include <fmt/format.h>
#include <systemd/sd-daemon.h>

#include <cstring>

namespace sekisho::gateway {

std::optional<std::chrono::microseconds> WatchdogPingPeriod(std::uint64_t usec) {
  if (usec == 0) {
    return std::nullopt;
  }
  // At least 1 us: a WATCHDOG_USEC of 1 must not become a busy loop of zero waits.
  return std::chrono::microseconds(usec / 2 > 0 ? usec / 2 : 1);
}

std::string GatewayStatusLine(std::size_t sessions, std::size_t tunnels) {
  return fmt::format("{} session(s), {} with a tunnel", sessions, tunnels);
}

SystemdNotifier::SystemdNotifier(boost::asio::io_context& io, Logger log)
    : watchdog_(io), log_(std::move(log)) {}

SystemdNotifier::~SystemdNotifier() = default;

void SystemdNotifier::Send(const std::string& state) {
  // The environment stays: the children inherit NOTIFY_SOCKET but never notify, and the
  // unit's NotifyAccess=main would ignore them anyway.
  int sent = sd_notify(0, state.c_str());
  if (sent < 0) {
    log_.Warn("cannot notify the service manager: {}", std::strerror(-sent));
  }
}

void SystemdNotifier::Ready(std::string_view status) {
  last_status_ = std::string(status);
  Send("READY=1\nSTATUS=" + last_status_);
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) {
    ping_period_ = WatchdogPingPeriod(usec);
  }
  if (ping_period_) {
    log_.Info("service manager watchdog: pinging every {} ms", ping_period_->count() / 1000);
    Send("WATCHDOG=1");
    ArmWatchdog();
  }
}

void SystemdNotifier::Status(std::string_view status) {
  if (stopping_ || status == last_status_) {
    return;
  }
  last_status_ = std::string(status);
  Send("STATUS=" + last_status_);
}

void SystemdNotifier::Reloading() {
  if (!stopping_) {
    Send("RELOADING=1");
  }
}

void SystemdNotifier::Reloaded(std::string_view status) {
  if (stopping_) {
    return;
  }
  last_status_ = std::string(status);
  Send("READY=1\nSTATUS=" + last_status_);
}

void SystemdNotifier::Stopping(std::string_view status) {
  if (stopping_) {
    return;
  }
  stopping_ = true;
  watchdog_.cancel();
  Send("STOPPING=1\nSTATUS=" + std::string(status));
}

void SystemdNotifier::ArmWatchdog() {
  watchdog_.expires_after(*ping_period_);
  watchdog_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) {
      return;
    }
    Send("WATCHDOG=1");
    ArmWatchdog();
  });
}

}  // namespace sekisho::gateway
