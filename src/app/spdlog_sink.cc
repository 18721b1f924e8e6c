#include "app/spdlog_sink.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <optional>

namespace sekisho::app {
namespace {

spdlog::level::level_enum ToSpdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return spdlog::level::trace;
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

class SpdlogSink final : public LogSink {
 public:
  SpdlogSink(std::optional<LogLevel> level, std::string_view app_name)
      : level_(level),
        logger_(std::make_shared<spdlog::logger>(
            std::string(app_name), std::make_shared<spdlog::sinks::stderr_color_sink_mt>())) {
    logger_->set_pattern("%Y-%m-%d %H:%M:%S.%e %n[%P] %^%l%$ %v");
    logger_->set_level(level ? ToSpdlog(*level) : spdlog::level::off);
    logger_->flush_on(spdlog::level::trace);
  }

  bool Enabled(LogLevel level) const override { return level_ && level >= *level_; }

  void Write(LogLevel level, std::string_view component, std::string_view prefix,
             std::string_view message) override {
    if (prefix.empty()) {
      logger_->log(ToSpdlog(level), "{}: {}", component, message);
    } else {
      logger_->log(ToSpdlog(level), "{}: [{}] {}", component, prefix, message);
    }
  }

 private:
  std::optional<LogLevel> level_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace

Result<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "trace") return LogLevel::kTrace;
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn" || name == "warning") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  return Fail(Errc::kConfig, "unknown log level '" + std::string(name) + "'");
}

std::unique_ptr<LogSink> MakeStderrSink(std::optional<LogLevel> level, std::string_view app_name) {
  return std::make_unique<SpdlogSink>(level, app_name);
}

}  // namespace sekisho::app
