#include "client/syslog_output.h"

#include "client/progress.h"

#include <syslog.h>

#include <string>

namespace sekisho::client {
namespace {

SyslogSwitchSink* g_switch = nullptr;

int Priority(LogLevel level) {
  switch (level) {
    case LogLevel::kError: return LOG_ERR;
    case LogLevel::kWarn: return LOG_WARNING;
    case LogLevel::kInfo: return LOG_INFO;
    case LogLevel::kDebug:
    case LogLevel::kTrace: return LOG_DEBUG;
  }
  return LOG_INFO;
}

void ProgressToSyslog(const std::string& line) { ::syslog(LOG_NOTICE, "%s", line.c_str()); }

}  // namespace

void SyslogSwitchSink::Write(LogLevel level, std::string_view component, std::string_view prefix,
                             std::string_view message) {
  if (!syslog_) {
    inner_->Write(level, component, prefix, message);
    return;
  }
  std::string line(component);
  line += ": ";
  if (!prefix.empty()) {
    line += "[";
    line += prefix;
    line += "] ";
  }
  line += message;
  ::syslog(Priority(level), "%s", line.c_str());
}

void RegisterSyslogSwitch(SyslogSwitchSink* sink) { g_switch = sink; }

void StartSyslogOutput() {
  ::openlog("sekisho", LOG_PID, LOG_DAEMON);
  SetProgressWriter(&ProgressToSyslog);
  if (g_switch != nullptr) {
    g_switch->SwitchToSyslog();
  }
}

}  // namespace sekisho::client
