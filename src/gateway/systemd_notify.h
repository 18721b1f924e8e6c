#pragma once
// SystemdNotifier: main's side of the service manager's notify protocol (sd_notify(3)). It
// says READY=1 once main listens and has started its children, keeps a STATUS= line (sessions)
// current, pings WATCHDOG=1 from main's own event loop — so a stalled loop stops the pings and
// systemd restarts the service — and says STOPPING=1 on shutdown. Without $NOTIFY_SOCKET every
// call is a no-op, so the same binary runs under systemd, in a terminal and in the tests.

#include "base/log.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sekisho::gateway {

// The watchdog ping period for a WATCHDOG_USEC of `usec`: half of it, as sd_watchdog_enabled(3)
// recommends, so one late ping is not yet a missed deadline. nullopt when usec is 0.
std::optional<std::chrono::microseconds> WatchdogPingPeriod(std::uint64_t usec);

// The STATUS= text for the service manager (shown by `systemctl status`).
std::string GatewayStatusLine(std::size_t sessions, std::size_t tunnels);

class SystemdNotifier {
 public:
  SystemdNotifier(boost::asio::io_context& io, Logger log);
  ~SystemdNotifier();
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  // READY=1 and the first status; starts the watchdog pings when systemd asked for them (for
  // this process: WATCHDOG_PID, if set, must be ours).
  void Ready(std::string_view status);
  // Sends STATUS= only when the text changed.
  void Status(std::string_view status);
  // RELOADING=1 while a configuration reload runs, then READY=1 with the status when it ended
  // (applied or refused), as systemd expects from a service that reloads itself.
  void Reloading();
  void Reloaded(std::string_view status);
  // STOPPING=1; the watchdog pings end.
  void Stopping(std::string_view status);

 private:
  void Send(const std::string& state);
  void ArmWatchdog();

  boost::asio::steady_timer watchdog_;
  Logger log_;
  std::optional<std::chrono::microseconds> ping_period_;
  std::string last_status_;
  bool stopping_ = false;
};

}  // namespace sekisho::gateway
