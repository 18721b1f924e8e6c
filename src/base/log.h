#pragma once
// Logging facade. Libraries log through a Logger that holds a component name, an optional
// session prefix and a LogSink; the apps install a spdlog-backed sink, tests a capturing one.
// Nothing here formats a secret by accident: secrets travel as Redacted<T> (base/redacted.h).
//
//   Logger log(sink, "auth", "sess 12");
//   log.Info("user {} logged in from {}", user, peer);

#include <fmt/format.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace sekisho {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };

class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual bool Enabled(LogLevel level) const = 0;
  // `component` names the module ("tls", "auth", "cstp"); `prefix` the session, may be empty.
  virtual void Write(LogLevel level, std::string_view component, std::string_view prefix,
                     std::string_view message) = 0;
};

// A sink that drops everything (the default for libraries used without logging).
LogSink& NullLogSink();

// Writes to stderr with level and component; used before the apps install spdlog.
LogSink& StderrLogSink();

class Logger {
 public:
  Logger() : sink_(&NullLogSink()) {}
  Logger(LogSink& sink, std::string component, std::string prefix = {})
      : sink_(&sink), component_(std::move(component)), prefix_(std::move(prefix)) {}

  // A logger for the same sink and component with another session prefix.
  Logger WithPrefix(std::string prefix) const {
    return Logger(*sink_, component_, std::move(prefix));
  }
  Logger WithComponent(std::string component) const {
    return Logger(*sink_, std::move(component), prefix_);
  }

  bool Enabled(LogLevel level) const { return sink_->Enabled(level); }

  template <class... Args>
  void Log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) const {
    if (sink_->Enabled(level)) {
      sink_->Write(level, component_, prefix_, fmt::format(format, std::forward<Args>(args)...));
    }
  }
  template <class... Args>
  void Trace(fmt::format_string<Args...> f, Args&&... a) const {
    Log(LogLevel::kTrace, f, std::forward<Args>(a)...);
  }
  template <class... Args>
  void Debug(fmt::format_string<Args...> f, Args&&... a) const {
    Log(LogLevel::kDebug, f, std::forward<Args>(a)...);
  }
  template <class... Args>
  void Info(fmt::format_string<Args...> f, Args&&... a) const {
    Log(LogLevel::kInfo, f, std::forward<Args>(a)...);
  }
  template <class... Args>
  void Warn(fmt::format_string<Args...> f, Args&&... a) const {
    Log(LogLevel::kWarn, f, std::forward<Args>(a)...);
  }
  template <class... Args>
  void Error(fmt::format_string<Args...> f, Args&&... a) const {
    Log(LogLevel::kError, f, std::forward<Args>(a)...);
  }

  LogSink& sink() const { return *sink_; }
  const std::string& prefix() const { return prefix_; }

 private:
  LogSink* sink_;
  std::string component_;
  std::string prefix_;
};

std::string_view LogLevelName(LogLevel level);

}  // namespace sekisho
