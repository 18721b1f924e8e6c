#pragma once
// Where the client keeps its files, and the small file helpers every client store uses.
//
//   <config>                          $SEKISHO_CONFIG_DIR, else $XDG_CONFIG_HOME/sekisho,
//                                     else $HOME/.config/sekisho
//   <config>/preferences.xml          preferences.h (one file for all gateways)
//   <config>/<gateway>/profiles/<n>   profile_cache.h (one directory per gateway)
//
// <gateway> is GatewayDirName(host, port): the host lower-cased, every byte outside
// [a-z0-9.-] replaced by '_', then "_<port>" when the port is not 443, so
// "VPN.example.com:4443" → "vpn.example.com_4443" and "[2001:db8::1]" → "2001_db8__1".
//
// The path functions are pure (the environment comes in as a value); the file helpers at the
// bottom are the only I/O, kept small so the stores above them stay testable.

#include "base/result.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sekisho::client {

// The environment variables that decide the config directory. Unset = nullopt; an empty
// value counts as unset (XDG Base Directory rule).
struct PathEnv {
  std::optional<std::string> sekisho_config_dir;  // $SEKISHO_CONFIG_DIR (tests, packaging)
  std::optional<std::string> xdg_config_home;     // $XDG_CONFIG_HOME
  std::optional<std::string> home;                // $HOME

  // Reads the three variables from the process environment.
  static PathEnv FromProcess();
};

// The client's config directory (not created here).
// Errors: kConfig when none of the three variables is usable (no HOME), or when the chosen
// XDG_CONFIG_HOME is relative (the spec says to ignore it; we then fall back to HOME).
Result<std::string> ConfigDir(const PathEnv& env);

// The preferences key of a gateway: "host:port" with the host lower-cased and the port always
// present ("vpn.example.com:443"; IPv6 literals stay unbracketed: "2001:db8::1:443" is not
// ambiguous because the port is always the last field).
std::string GatewayKey(std::string_view host, std::uint16_t port);

// The per-gateway directory name described above. Never empty, never "." or "..", no '/'.
std::string GatewayDirName(std::string_view host, std::uint16_t port);

// "<config>/<GatewayDirName>".
std::string GatewayDir(std::string_view config_dir, std::string_view host, std::uint16_t port);

// ---- file helpers (I/O) ----

// Creates `path` and its missing parents with `mode` (0700 for our directories).
// Errors: kIo naming the directory that could not be created.
Result<void> MakeDirectories(const std::string& path, unsigned mode = 0700);

// Reads a whole file. A missing file is nullopt (not an error).
// Errors: kIo (unreadable, naming the file); kTooLarge when larger than max_bytes.
Result<std::optional<std::string>> ReadFileIfExists(const std::string& path,
                                                    std::size_t max_bytes = 16u << 20);

// Writes `data` to `path` atomically: a temporary file in the same directory created with
// `mode`, written, fsync'ed, renamed over `path`. Parent directories are created (0700).
// On any failure the old file is untouched and the temporary is removed.
// Errors: kIo naming the file.
Result<void> WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode = 0600);

}  // namespace sekisho::client
