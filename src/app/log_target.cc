#include "app/log_target.h"

#include <syslog.h>

#include <charconv>

namespace sekisho::app {
namespace {

std::optional<std::uint64_t> ParseUnsigned(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> words;
  while (!text.empty()) {
    std::size_t start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) {
      break;
    }
    text.remove_prefix(start);
    std::size_t end = text.find(' ');
    words.push_back(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end);
  }
  return words;
}

}  // namespace

Result<LogTarget> ParseLogTarget(std::string_view name) {
  if (name == "auto") return LogTarget::kAuto;
  if (name == "stderr") return LogTarget::kStderr;
  if (name == "journal") return LogTarget::kJournal;
  if (name == "syslog") return LogTarget::kSyslog;
  return Fail(Errc::kConfig, "unknown log target '" + std::string(name) + "'");
}

LogTarget ResolveLogTarget(LogTarget configured, const StderrFacts& facts) {
  if (configured != LogTarget::kAuto) {
    return configured;
  }
  if (facts.is_terminal || !facts.journal_stream) {
    return LogTarget::kStderr;
  }
  std::string_view stream = *facts.journal_stream;
  std::size_t colon = stream.find(':');
  if (colon == std::string_view::npos) {
    return LogTarget::kStderr;
  }
  auto device = ParseUnsigned(stream.substr(0, colon));
  auto inode = ParseUnsigned(stream.substr(colon + 1));
  const bool ours =
      device && inode && *device == facts.stderr_device && *inode == facts.stderr_inode;
  return ours ? LogTarget::kJournal : LogTarget::kStderr;
}

int SyslogPriority(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
    case LogLevel::kDebug: return LOG_DEBUG;
    case LogLevel::kInfo: return LOG_INFO;
    case LogLevel::kWarn: return LOG_WARNING;
    case LogLevel::kError: return LOG_ERR;
  }
  return LOG_INFO;
}

std::vector<std::pair<std::string, std::string>> JournalFields(std::string_view component,
                                                               std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> fields;
  fields.emplace_back("SEKISHO_COMPONENT", std::string(component));
  std::vector<std::string_view> words = Words(prefix);
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == "conn" && ParseUnsigned(words[i + 1])) {
      fields.emplace_back("SEKISHO_CONNECTION", std::string(words[i + 1]));
      if (i + 2 < words.size() && words[i + 2] != "sess") {
        fields.emplace_back("SEKISHO_PEER", std::string(words[i + 2]));
      }
    } else if (words[i] == "sess" && ParseUnsigned(words[i + 1])) {
      fields.emplace_back("SEKISHO_SESSION", std::string(words[i + 1]));
    }
  }
  return fields;
}

}  // namespace sekisho::app
