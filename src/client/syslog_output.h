#pragma once
// --syslog: once the tunnel is up, progress lines (Say) and log lines go to syslog(3) instead
// of stderr, as openconnect's -l does ("After tunnel is brought up, use syslog for further
// progress messages").
//
// Why plain syslog(3) and not libsystemd's journal API: it needs no extra library, it is what
// openconnect uses, and on a systemd machine journald owns /dev/log, so the lines land in the
// journal anyway (with SYSLOG_IDENTIFIER=sekisho and the pid); without systemd any syslog
// daemon gets them. It is also testable without touching the host: a test binds its own
// socket over /dev/log in a private mount namespace (tests/interop/client_service.sh).
//
// Facility LOG_DAEMON, ident "sekisho", LOG_PID. Progress lines are LOG_NOTICE; log lines map
// error/warn/info/debug+trace to LOG_ERR/LOG_WARNING/LOG_INFO/LOG_DEBUG.

#include "base/log.h"

#include <memory>

namespace sekisho::client {

// A LogSink that forwards to `inner` until SwitchToSyslog() is called, then to syslog (the
// same level filter applies).
class SyslogSwitchSink final : public LogSink {
 public:
  explicit SyslogSwitchSink(std::unique_ptr<LogSink> inner) : inner_(std::move(inner)) {}

  bool Enabled(LogLevel level) const override { return inner_->Enabled(level); }
  void Write(LogLevel level, std::string_view component, std::string_view prefix,
             std::string_view message) override;

  void SwitchToSyslog() { syslog_ = true; }

 private:
  std::unique_ptr<LogSink> inner_;
  bool syslog_ = false;
};

// main.cc registers its sink so that the flow can switch it; nullptr = none.
void RegisterSyslogSwitch(SyslogSwitchSink* sink);

// Opens syslog and sends progress lines and the registered sink there from now on.
void StartSyslogOutput();

}  // namespace sekisho::client
