#include "base/log.h"

#include <cstdio>
#include <mutex>

namespace sekisho {
namespace {

class NullSink final : public LogSink {
 public:
  bool Enabled(LogLevel) const override { return false; }
  void Write(LogLevel, std::string_view, std::string_view, std::string_view) override {}
};

class StderrSink final : public LogSink {
 public:
  bool Enabled(LogLevel level) const override { return level >= LogLevel::kInfo; }
  void Write(LogLevel level, std::string_view component, std::string_view prefix,
             std::string_view message) override {
    std::lock_guard lock(mu_);
    if (prefix.empty()) {
      std::fprintf(stderr, "[%s] %.*s: %.*s\n", LogLevelName(level).data(),
                   static_cast<int>(component.size()), component.data(),
                   static_cast<int>(message.size()), message.data());
    } else {
      std::fprintf(stderr, "[%s] %.*s: %.*s: %.*s\n", LogLevelName(level).data(),
                   static_cast<int>(component.size()), component.data(),
                   static_cast<int>(prefix.size()), prefix.data(), static_cast<int>(message.size()),
                   message.data());
    }
  }

 private:
  std::mutex mu_;
};

}  // namespace

LogSink& NullLogSink() {
  static NullSink sink;
  return sink;
}

LogSink& StderrLogSink() {
  static StderrSink sink;
  return sink;
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return "trace";
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "?";
}

}  // namespace sekisho
