#pragma once
// Text from the gateway (banners, form messages and labels, error texts, group and profile
// names, DISCONNECT reasons) made safe to print on a terminal or in a log. A hostile gateway
// could otherwise clear the screen (ESC [2J), retitle the window (OSC), forge earlier lines
// with CR, or, on terminals that honour 8-bit controls, do the same with a single C1 byte.
//
// TerminalSafe removes:
//   * escape sequences with their parameters: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC
//     strings (ESC ] ... up to BEL or ST), nF and two-byte ESC sequences;
//   * the other C0 controls and DEL; a tab becomes a space, CR is dropped, LF is kept as a line
//     break (kKeep, banners) or becomes a space (kToSpace, one-line values);
//   * C1 controls encoded in UTF-8 (U+0080..U+009F; U+009B and the string introducers also
//     swallow their sequence, like their ESC forms);
//   * bytes that are not valid UTF-8 become '?' (a lone 0x9B is CSI on a Latin-1 terminal).
// Valid UTF-8 text is kept unchanged.
//
// This lives in the client for now; base/strings.h gets a log-escaping helper of its own
// (issue 11, item 5).

#include <string>
#include <string_view>

namespace sekisho::client {

enum class LineBreaks { kKeep, kToSpace };

std::string TerminalSafe(std::string_view text, LineBreaks breaks = LineBreaks::kToSpace);

// True when `text` has a C0 control other than tab, or DEL.
bool HasControlCharacters(std::string_view text);

// `text` with every C0 control, DEL and byte >= 0x80 written as \xNN: quotes a refused value
// in an error message exactly and harmlessly.
std::string EscapeForMessage(std::string_view text);

}  // namespace sekisho::client
