#include "client/terminal_text.h"

#include <cstddef>

namespace sekisho::client {
namespace {

constexpr unsigned char kEsc = 0x1b;
constexpr unsigned char kBel = 0x07;
constexpr unsigned char kDel = 0x7f;
constexpr char32_t kC1Csi = 0x9b;
constexpr char32_t kC1St = 0x9c;

unsigned char At(std::string_view text, std::size_t i) {
  return static_cast<unsigned char>(text[i]);
}

// ECMA-48: after CSI come parameter bytes (0x30-0x3F), intermediates (0x20-0x2F) and one final
// byte (0x40-0x7E). Returns the index after the sequence.
std::size_t SkipCsiBody(std::string_view text, std::size_t i) {
  while (i < text.size() && At(text, i) >= 0x20 && At(text, i) <= 0x3f) {
    ++i;
  }
  if (i < text.size() && At(text, i) >= 0x40 && At(text, i) <= 0x7e) {
    ++i;
  }
  return i;
}

// OSC, DCS, SOS, PM and APC carry a string up to BEL, ESC \ or the C1 ST (UTF-8 C2 9C). An
// unterminated string swallows the rest: nothing of it may reach the terminal.
std::size_t SkipControlString(std::string_view text, std::size_t i) {
  while (i < text.size()) {
    const unsigned char c = At(text, i);
    if (c == kBel) {
      return i + 1;
    }
    if (c == kEsc && i + 1 < text.size() && text[i + 1] == '\\') {
      return i + 2;
    }
    if (c == 0xc2 && i + 1 < text.size() && At(text, i + 1) == kC1St) {
      return i + 2;
    }
    ++i;
  }
  return i;
}

bool IntroducesString(char32_t final_byte) {
  // ESC P (DCS), ESC X (SOS), ESC ] (OSC), ESC ^ (PM), ESC _ (APC): their C1 forms are the
  // same byte + 0x40.
  return final_byte == 'P' || final_byte == 'X' || final_byte == ']' || final_byte == '^' ||
         final_byte == '_';
}

// `i` points at ESC. Returns the index after the whole sequence.
std::size_t SkipEscapeSequence(std::string_view text, std::size_t i) {
  ++i;
  if (i >= text.size()) {
    return i;
  }
  const unsigned char next = At(text, i);
  if (next == '[') {
    return SkipCsiBody(text, i + 1);
  }
  if (IntroducesString(next)) {
    return SkipControlString(text, i + 1);
  }
  if (next >= 0x20 && next <= 0x2f) {  // nF: intermediates, then one final byte
    while (i < text.size() && At(text, i) >= 0x20 && At(text, i) <= 0x2f) {
      ++i;
    }
    return i < text.size() && At(text, i) >= 0x30 && At(text, i) <= 0x7e ? i + 1 : i;
  }
  if (next >= 0x30 && next <= 0x7e) {  // Fp, Fe, Fs: one byte
    return i + 1;
  }
  return i;  // a lone ESC: drop it, keep what follows
}

// Length of the valid UTF-8 sequence at `i` (and its code point), 0 when invalid (overlong,
// surrogate, above U+10FFFF, truncated).
std::size_t DecodeUtf8(std::string_view text, std::size_t i, char32_t* code_point) {
  const unsigned char lead = At(text, i);
  // Lead byte -> sequence length, payload bits of the lead byte, smallest code point that
  // needs this length (anything below is an overlong form).
  struct Form {
    std::size_t length;
    unsigned char mask;
    char32_t min;
  };
  Form form{};
  if (lead >= 0xc2 && lead <= 0xdf) {
    form = {2, 0x1f, 0x80};
  } else if (lead >= 0xe0 && lead <= 0xef) {
    form = {3, 0x0f, 0x800};
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    form = {4, 0x07, 0x10000};
  } else {
    return 0;
  }
  const std::size_t length = form.length;
  const char32_t min = form.min;
  char32_t value = lead & form.mask;
  if (i + length > text.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < length; ++k) {
    const unsigned char c = At(text, i + k);
    if ((c & 0xc0) != 0x80) {
      return 0;
    }
    value = (value << 6) | (c & 0x3f);
  }
  if (value < min || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) {
    return 0;
  }
  *code_point = value;
  return length;
}

// A C1 control (U+0080..U+009F) encoded at `i` with `length` bytes: returns the index after it
// and whatever sequence it introduces.
std::size_t SkipC1(std::string_view text, std::size_t i, std::size_t length, char32_t c1) {
  if (c1 == kC1Csi) {
    return SkipCsiBody(text, i + length);
  }
  if (IntroducesString(c1 - 0x40)) {
    return SkipControlString(text, i + length);
  }
  return i + length;
}

}  // namespace

std::string TerminalSafe(std::string_view text, LineBreaks breaks) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = At(text, i);
    if (c == kEsc) {
      i = SkipEscapeSequence(text, i);
    } else if (c == '\n') {
      out.push_back(breaks == LineBreaks::kKeep ? '\n' : ' ');
      ++i;
    } else if (c == '\t') {
      out.push_back(' ');
      ++i;
    } else if (c < 0x20 || c == kDel) {
      ++i;  // CR, BEL, BS, ... : dropped
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else {
      char32_t code_point = 0;
      const std::size_t length = DecodeUtf8(text, i, &code_point);
      if (length == 0) {
        out.push_back('?');
        ++i;
      } else if (code_point <= 0x9f) {
        i = SkipC1(text, i, length, code_point);
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
    }
  }
  return out;
}

bool HasControlCharacters(std::string_view text) {
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == kDel) {
      return true;
    }
  }
  return false;
}

std::string EscapeForMessage(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= kDel) {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

}  // namespace sekisho::client
