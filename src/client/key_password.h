#pragma once
// Where `sekisho connect` takes the password of a PKCS#12 client identity from. A password on
// the command line is visible to every user of the machine (ps, /proc/PID/cmdline), so besides
// --key-password VALUE (kept for openconnect compatibility, with a warning) there are:
//
//   --key-password-file PATH   the first line of PATH (trailing CR/LF removed)
//   --key-password-file -      the first line of standard input, read before any other line
//                              (so --passwd-on-stdin's lines follow it)
//   SEKISHO_KEY_PASSWORD       the environment (only /proc/PID/environ, readable by the same
//                              user and root)
//
// At most one source may be given. ScrubKeyPasswordArgs overwrites a --key-password value in argv
// after parsing, which is what ps shows from then on (there is a short window before it runs: hence
// the warning).
//
// ResolveKeyPassword is pure over the two readers it is given (main.cc passes the file system
// and Prompter::ReadStdinLine); ScrubKeyPasswordArgs only touches memory.

#include "base/redacted.h"
#include "base/result.h"

#include <functional>
#include <optional>
#include <string>

namespace sekisho::client {

inline constexpr const char* kKeyPasswordEnv = "SEKISHO_KEY_PASSWORD";
inline constexpr std::size_t kMaxKeyPasswordFileBytes = 4096;

struct KeyPasswordSources {
  std::optional<std::string> value;  // --key-password VALUE
  std::optional<std::string> file;   // --key-password-file PATH, "-" = stdin
  std::optional<std::string> env;    // $SEKISHO_KEY_PASSWORD when set
};

struct KeyPasswordReaders {
  // Whole file contents (at most kMaxKeyPasswordFileBytes + 1 bytes are needed).
  std::function<Result<std::string>(const std::string& path)> read_file;
  // One line of stdin without its line ending.
  std::function<Result<SecretString>()> read_stdin_line;
};

// The password from the one source given; nullopt when none is.
// Errors: kConfig (several sources, unreadable or oversized file, empty stdin), naming the
// source but never the password.
Result<std::optional<SecretString>> ResolveKeyPassword(const KeyPasswordSources& sources,
                                                       const KeyPasswordReaders& readers);

// Overwrites with 'x' the value of every "OPTION VALUE" / "OPTION=VALUE" in argv (the strings ps
// reads), up to a "--". Returns true when something was scrubbed.
bool ScrubOptionValueArgs(int argc, char** argv, std::string_view option);

// ScrubOptionValueArgs for --key-password.
bool ScrubKeyPasswordArgs(int argc, char** argv);

}  // namespace sekisho::client
