#include "client/prompt.h"

#include "base/strings.h"
#include "client/terminal_text.h"

#include <termios.h>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace sekisho::client {
namespace {

using proto::auth::FormField;

// Reads one line from `fd` byte by byte (so nothing after the newline is consumed, which
// matters when stdin carries several lines for several prompts).
Result<std::string> ReadLineFd(int fd) {
  std::string line;
  while (true) {
    char c = 0;
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      if (line.empty()) {
        return Fail(Errc::kClosed, "end of input");
      }
      break;
    }
    if (c == '\n') {
      break;
    }
    line.push_back(c);
    if (line.size() > 4096) {
      return Fail(Errc::kTooLarge, "input line too long");
    }
  }
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return line;
}

// The label comes from the gateway's form: one terminal-safe line.
std::string FieldLabel(const FormField& field) {
  std::string label = TerminalSafe(field.label.empty() ? field.name : field.label);
  label = std::string(TrimWhitespace(label));
  if (!label.empty() && label.back() != ':') {
    label += ":";
  }
  return label;
}

}  // namespace

Result<SecretString> Prompter::ReadStdinLine() {
  SEKISHO_ASSIGN_OR_RETURN(std::string line, ReadLineFd(STDIN_FILENO));
  return SecretString(std::move(line));
}

Result<SecretString> Prompter::Ask(std::string_view label, bool echo) {
  if (options_.non_interactive) {
    return Fail(Errc::kAuthFailed,
                "the gateway asks for '" + std::string(label) + "' but --non-inter is set");
  }
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  bool own_fd = fd >= 0;
  int in_fd = own_fd ? fd : STDIN_FILENO;
  int out_fd = own_fd ? fd : STDERR_FILENO;
  std::string text = std::string(label) + " ";
  (void)!::write(out_fd, text.data(), text.size());
  termios saved{};
  bool restore = false;
  if (!echo && ::isatty(in_fd) && ::tcgetattr(in_fd, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    restore = ::tcsetattr(in_fd, TCSAFLUSH, &quiet) == 0;
  }
  Result<std::string> line = ReadLineFd(in_fd);
  if (restore) {
    ::tcsetattr(in_fd, TCSAFLUSH, &saved);
    (void)!::write(out_fd, "\n", 1);
  }
  if (own_fd) {
    ::close(fd);
  }
  if (!line) {
    return Fail(Errc::kAuthFailed, "no input for '" + std::string(label) + "'");
  }
  return SecretString(std::move(*line));
}

Result<FilledValues> Prompter::FillForm(const proto::auth::AuthForm& form, bool retry) {
  if (!form.banner.empty()) {
    std::fprintf(stderr, "%s\n", TerminalSafe(form.banner, LineBreaks::kKeep).c_str());
  }
  if (!form.message.empty()) {
    std::fprintf(stderr, "%s\n", TerminalSafe(form.message, LineBreaks::kKeep).c_str());
  }
  FilledValues values;
  bool text_seen = false;
  for (const FormField& field : form.fields) {
    switch (field.kind) {
      case FormField::kText: {
        bool is_user = field.name == "username" || !text_seen;
        text_seen = true;
        if (is_user && options_.user && !user_used_ && !retry) {
          user_used_ = true;
          values.emplace_back(field.name, SecretString(*options_.user));
          break;
        }
        if (is_user && options_.user && options_.non_interactive) {
          values.emplace_back(field.name, SecretString(*options_.user));
          break;
        }
        SEKISHO_ASSIGN_OR_RETURN(SecretString value, Ask(FieldLabel(field), true));
        values.emplace_back(field.name, std::move(value));
        break;
      }
      case FormField::kPassword: {
        if (options_.password_on_stdin) {
          Result<SecretString> line = ReadStdinLine();
          if (!line) {
            return Fail(Errc::kAuthFailed, "no password on stdin for '" + FieldLabel(field) + "'");
          }
          values.emplace_back(field.name, std::move(*line));
          break;
        }
        SEKISHO_ASSIGN_OR_RETURN(SecretString value, Ask(FieldLabel(field), false));
        values.emplace_back(field.name, std::move(value));
        break;
      }
      case FormField::kSso:
        return Fail(Errc::kUnsupported, "the gateway asks for single sign-on, not supported");
      case FormField::kHidden:
      case FormField::kSelect: break;  // prefilled; the dialogue decides the group
    }
  }
  return values;
}

bool Prompter::Confirm(std::string_view question) {
  if (options_.non_interactive) {
    return false;
  }
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return false;  // only ever a conscious decision on a terminal
  }
  std::string text = std::string(question) + " [yes/no] ";
  (void)!::write(fd, text.data(), text.size());
  Result<std::string> line = ReadLineFd(fd);
  ::close(fd);
  if (!line) {
    return false;
  }
  std::string answer = ToLower(TrimWhitespace(*line));
  return answer == "yes" || answer == "y";
}

}  // namespace sekisho::client
