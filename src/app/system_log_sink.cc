#include "app/system_log_sink.h"

#include "app/spdlog_sink.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace sekisho::app {
namespace {

std::string LineText(std::string_view component, std::string_view prefix,
                     std::string_view message) {
  return prefix.empty() ? fmt::format("{}: {}", component, message)
                        : fmt::format("{}: [{}] {}", component, prefix, message);
}

class LevelFilter : public LogSink {
 public:
  explicit LevelFilter(std::optional<LogLevel> level) : level_(level) {}
  bool Enabled(LogLevel level) const override { return level_ && level >= *level_; }

 private:
  std::optional<LogLevel> level_;
};

class JournalSink final : public LevelFilter {
 public:
  JournalSink(std::optional<LogLevel> level, std::string_view identifier)
      : LevelFilter(level), identifier_(identifier) {}

  void Write(LogLevel level, std::string_view component, std::string_view prefix,
             std::string_view message) override {
    std::vector<std::string> fields;
    fields.push_back("MESSAGE=" + LineText(component, prefix, message));
    fields.push_back(fmt::format("PRIORITY={}", SyslogPriority(level)));
    fields.push_back("SYSLOG_IDENTIFIER=" + identifier_);
    for (auto& [name, value] : JournalFields(component, prefix)) {
      fields.push_back(name + "=" + value);
    }
    std::vector<iovec> iov;
    iov.reserve(fields.size());
    for (std::string& field : fields) {
      iov.push_back({field.data(), field.size()});
    }
    if (sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) < 0) {
      // The journal is gone (restarting): the line is not lost, stderr is its stream.
      std::fprintf(stderr, "<%d>%s\n", SyslogPriority(level), fields[0].c_str() + 8);
    }
  }

 private:
  std::string identifier_;
};

class SyslogSink final : public LevelFilter {
 public:
  SyslogSink(std::optional<LogLevel> level, std::string_view identifier)
      : LevelFilter(level), identifier_(identifier) {
    // openlog keeps the pointer: identifier_ lives as long as the sink. LOG_NDELAY connects now,
    // so the first line does not wait for a socket.
    ::openlog(identifier_.c_str(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
  }
  ~SyslogSink() override { ::closelog(); }

  void Write(LogLevel level, std::string_view component, std::string_view prefix,
             std::string_view message) override {
    std::string text = LineText(component, prefix, message);
    ::syslog(SyslogPriority(level), "%s", text.c_str());
  }

 private:
  std::string identifier_;
};

class PriorityStderrSink final : public LevelFilter {
 public:
  PriorityStderrSink(std::optional<LogLevel> level, std::string_view identifier)
      : LevelFilter(level), identifier_(identifier) {}

  void Write(LogLevel level, std::string_view component, std::string_view prefix,
             std::string_view message) override {
    std::string line = fmt::format("<{}>{}[{}]: {}\n", SyslogPriority(level), identifier_,
                                   ::getpid(), LineText(component, prefix, message));
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  }

 private:
  std::string identifier_;
};

}  // namespace

StderrFacts CurrentStderrFacts() {
  StderrFacts facts;
  facts.is_terminal = ::isatty(STDERR_FILENO) == 1;
  if (const char* stream = std::getenv("JOURNAL_STREAM")) {
    facts.journal_stream = stream;
  }
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) == 0) {
    facts.stderr_device = st.st_dev;
    facts.stderr_inode = st.st_ino;
  }
  return facts;
}

std::unique_ptr<LogSink> MakeJournalSink(std::optional<LogLevel> level,
                                         std::string_view identifier) {
  return std::make_unique<JournalSink>(level, identifier);
}

std::unique_ptr<LogSink> MakeSyslogSink(std::optional<LogLevel> level,
                                        std::string_view identifier) {
  return std::make_unique<SyslogSink>(level, identifier);
}

std::unique_ptr<LogSink> MakePriorityStderrSink(std::optional<LogLevel> level,
                                                std::string_view identifier) {
  return std::make_unique<PriorityStderrSink>(level, identifier);
}

std::unique_ptr<LogSink> MakeLogSink(LogTarget target, std::optional<LogLevel> level,
                                     std::string_view identifier) {
  switch (target) {
    case LogTarget::kJournal: return MakeJournalSink(level, identifier);
    case LogTarget::kSyslog: return MakeSyslogSink(level, identifier);
    case LogTarget::kAuto:
    case LogTarget::kStderr: break;
  }
  return MakeStderrSink(level, identifier);
}

}  // namespace sekisho::app
