#include "client/key_password.h"

#include <string_view>
#include <utility>

namespace sekisho::client {
namespace {

constexpr std::string_view kOption = "--key-password";

std::string FirstLine(std::string text) {
  const auto end = text.find('\n');
  if (end != std::string::npos) {
    text.resize(end);
  }
  if (!text.empty() && text.back() == '\r') {
    text.pop_back();
  }
  return text;
}

Result<SecretString> FromFile(const std::string& path, const KeyPasswordReaders& readers) {
  if (path == "-") {
    auto line = readers.read_stdin_line();
    if (!line) {
      return Fail(Errc::kConfig, "--key-password-file -: no line on standard input");
    }
    return std::move(*line);
  }
  auto text = readers.read_file(path);
  if (!text) {
    return Fail(Errc::kConfig, "--key-password-file " + path + ": " + text.error().ToString());
  }
  if (text->size() > kMaxKeyPasswordFileBytes) {
    return Fail(Errc::kConfig, "--key-password-file " + path + ": larger than " +
                                   std::to_string(kMaxKeyPasswordFileBytes) + " bytes");
  }
  return SecretString(FirstLine(std::move(*text)));
}

}  // namespace

Result<std::optional<SecretString>> ResolveKeyPassword(const KeyPasswordSources& sources,
                                                       const KeyPasswordReaders& readers) {
  const int given = (sources.value ? 1 : 0) + (sources.file ? 1 : 0) + (sources.env ? 1 : 0);
  if (given > 1) {
    return Fail(Errc::kConfig, std::string("give the key password once: --key-password, "
                                           "--key-password-file or ") +
                                   kKeyPasswordEnv);
  }
  if (sources.value) {
    return std::optional<SecretString>(SecretString(*sources.value));
  }
  if (sources.env) {
    return std::optional<SecretString>(SecretString(*sources.env));
  }
  if (sources.file) {
    SEKISHO_ASSIGN_OR_RETURN(SecretString password, FromFile(*sources.file, readers));
    return std::optional<SecretString>(std::move(password));
  }
  return std::optional<SecretString>();
}

bool ScrubOptionValueArgs(int argc, char** argv, std::string_view option) {
  bool scrubbed = false;
  auto blank = [&scrubbed](char* s) {
    for (; *s != '\0'; ++s) {
      *s = 'x';
      scrubbed = true;
    }
  };
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") {
      break;
    }
    if (arg == option && i + 1 < argc) {
      blank(argv[++i]);
    } else if (arg.starts_with(option) && arg.size() > option.size() && arg[option.size()] == '=') {
      blank(argv[i] + option.size() + 1);
    }
  }
  return scrubbed;
}

bool ScrubKeyPasswordArgs(int argc, char** argv) {
  return ScrubOptionValueArgs(argc, argv, kOption);
}

}  // namespace sekisho::client
