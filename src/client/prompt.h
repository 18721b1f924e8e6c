#pragma once
// Prompter: the terminal side of the login. It fills the gateway's forms (AuthDialogue's
// kNeedInput) from the command line (--user), stdin (--passwd-on-stdin) or the terminal, and
// asks yes/no questions (accept an untrusted certificate).
//
// Rules, like openconnect:
//   * text fields: the first one (or the one named "username") takes --user the first time it
//     is asked; otherwise the user is prompted;
//   * password fields: one line from stdin per field with --passwd-on-stdin (a retry then
//     needs another line; EOF fails the login), else a prompt on the terminal without echo;
//   * hidden fields and selects keep their prefilled value (the dialogue decides the group);
//   * --non-inter: any field that would need a prompt fails with kAuthFailed, Confirm() is
//     always "no".
// The terminal is /dev/tty when there is one (stdin may be a pipe), else stdin/stderr. A typed
// password is never echoed when the input is a terminal, and never logged.
// Not thread-safe.

#include "base/redacted.h"
#include "base/result.h"
#include "client/auth_dialogue.h"
#include "proto/auth/server_message.h"

#include <optional>
#include <string>
#include <string_view>

namespace sekisho::client {

struct PromptOptions {
  std::optional<std::string> user;
  bool password_on_stdin = false;
  bool non_interactive = false;
};

class Prompter {
 public:
  explicit Prompter(PromptOptions options) : options_(std::move(options)) {}

  // Values for every field of `form` that needs one (see the rules above). `retry`: the
  // gateway rejected the last answer (--user is then not reused; openconnect asks again).
  // Errors: kAuthFailed when input is needed but not available (--non-inter, stdin at EOF).
  Result<FilledValues> FillForm(const proto::auth::AuthForm& form, bool retry);

  // Asks `question` [yes/no] on the terminal. False when non-interactive, without a terminal,
  // or on anything but "yes"/"y".
  bool Confirm(std::string_view question);

  // One line from stdin (trailing CR/LF removed), e.g. the cookie for --cookie-on-stdin.
  // Errors: kClosed at EOF.
  static Result<SecretString> ReadStdinLine();

 private:
  // Prompts on the terminal; `echo` false hides the input.
  Result<SecretString> Ask(std::string_view label, bool echo);

  PromptOptions options_;
  bool user_used_ = false;
};

}  // namespace sekisho::client
