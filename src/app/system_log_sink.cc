#include "app/system_log_sink.h"

#include "app/spdlog_sink.h"

#include <fmt/format.h>
#include <syslog.h>

#include <sys/stat.h>
#include <sys/uio.h>
// CODE_FILE/CODE_LINE would always name this sink, not the code that logged.
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

namespace sekisho::app {
namespace {

std::string LineText(std::string_view component, std::string_view prefix,
                     std::string_view message) {
  return prefix.empty() ? fmt::format("{}: {}", component, message)
                        : fmt::format("{}: [{}] {}", component, prefix, message);
}

// "sekishod[worker 0]" -> identifier "sekishod", role "worker 0": syslog and the journal add
// the PID themselves, and the role belongs in the line.
struct Identity {
  std::string identifier;
  std::string role;
};
Identity SplitIdentity(std::string_view name) {
  std::size_t open = name.find('[');
  if (open == std::string_view::npos || name.back() != ']') {
    return {std::string(name), ""};
  }
  return {std::string(name.substr(0, open)),
          std::string(name.substr(open + 1, name.size() - open - 2))};
}
std::string WithRole(const std::string& role, std::string text) {
  return role.empty() ? text : role + ": " + text;
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
      : LevelFilter(level), identity_(SplitIdentity(identifier)) {
    // sd-journal opens its socket at the first entry and keeps it: open it now, while a worker
    // may still create sockets (its sandbox allows sending on one, not making one).
    std::string message = "MESSAGE=" + WithRole(identity_.role, "logging to the journal");
    std::string identifier_field = "SYSLOG_IDENTIFIER=" + identity_.identifier;
    sd_journal_send("%s", message.c_str(), "PRIORITY=7", "%s", identifier_field.c_str(), nullptr);
  }

  void Write(LogLevel level, std::string_view component, std::string_view prefix,
             std::string_view message) override {
    std::vector<std::string> fields;
    fields.push_back("MESSAGE=" + WithRole(identity_.role, LineText(component, prefix, message)));
    fields.push_back(fmt::format("PRIORITY={}", SyslogPriority(level)));
    fields.push_back("SYSLOG_IDENTIFIER=" + identity_.identifier);
    if (!identity_.role.empty()) {
      fields.push_back("SEKISHO_ROLE=" + identity_.role);
    }
    for (auto& [name, value] : JournalFields(component, prefix)) {
      fields.push_back(name + "=" + value);
    }
    std::vector<iovec> iov;
    iov.reserve(fields.size());
    for (std::string& field : fields) {
      iov.push_back({field.data(), field.size()});
    }
    if (sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) < 0) {
      // The journal is gone (restarting): keep the line on stderr, with its priority.
      std::fprintf(stderr, "<%d>%s\n", SyslogPriority(level), fields[0].c_str() + 8);
    }
  }

 private:
  Identity identity_;
};

class SyslogSink final : public LevelFilter {
 public:
  SyslogSink(std::optional<LogLevel> level, std::string_view identifier)
      : LevelFilter(level), identity_(SplitIdentity(identifier)) {
    // openlog keeps the pointer: identity_ lives as long as the sink. LOG_NDELAY connects now,
    // before a worker's sandbox forbids it; sending on that socket stays allowed.
    ::openlog(identity_.identifier.c_str(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
  }
  ~SyslogSink() override { ::closelog(); }

  void Write(LogLevel level, std::string_view component, std::string_view prefix,
             std::string_view message) override {
    std::string text = WithRole(identity_.role, LineText(component, prefix, message));
    ::syslog(SyslogPriority(level), "%s", text.c_str());
  }

 private:
  Identity identity_;
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
