// Peer-supplied text on its way to a log line (EscapeForLog, gateway and client) or a terminal
// (TerminalSafe, client): whatever the input, the output must hold no control character, so a
// peer can neither forge log lines nor drive the reader's terminal.
#include "base/strings.h"
#include "client/terminal_text.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

bool HasByteBelowSpaceOrDel(std::string_view text, char allowed) {
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 || byte == 0x7F) && c != allowed) {
      return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string logged = sekisho::EscapeForLog(text);
  if (HasByteBelowSpaceOrDel(logged, '\0') || logged.size() > 4 * sekisho::kLogValueMax + 32) {
    __builtin_trap();
  }
  namespace client = sekisho::client;
  std::string one_line = client::TerminalSafe(text, client::LineBreaks::kToSpace);
  std::string banner = client::TerminalSafe(text, client::LineBreaks::kKeep);
  if (HasByteBelowSpaceOrDel(one_line, '\0') || HasByteBelowSpaceOrDel(banner, '\n') ||
      client::HasControlCharacters(one_line)) {
    __builtin_trap();
  }
  std::string quoted = client::EscapeForMessage(text);
  if (HasByteBelowSpaceOrDel(quoted, '\0')) {
    __builtin_trap();
  }
  return 0;
}
