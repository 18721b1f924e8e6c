#include "client/terminal_text.h"

#include <gtest/gtest.h>

#include <string>

namespace sekisho::client {
namespace {

TEST(TerminalTextTest, PlainTextAndUtf8AreKept) {
  EXPECT_EQ(TerminalSafe("Welcome to the VPN"), "Welcome to the VPN");
  EXPECT_EQ(TerminalSafe("Grüße, 関所 ✓"), "Grüße, 関所 ✓");
}

TEST(TerminalTextTest, CsiSequencesAreRemovedWithTheirParameters) {
  EXPECT_EQ(TerminalSafe("\x1b[2JHello"), "Hello");
  EXPECT_EQ(TerminalSafe("a\x1b[1;31mred\x1b[0mb"), "aredb");
  EXPECT_EQ(TerminalSafe("x\x1b[?1049hy"), "xy");
  EXPECT_EQ(TerminalSafe("x\x1b[6n"), "x");  // device status report: would type into stdin
}

TEST(TerminalTextTest, OscAndOtherStringsAreRemoved) {
  EXPECT_EQ(TerminalSafe("a\x1b]0;pwned title\x07"
                         "b"),
            "ab");
  EXPECT_EQ(TerminalSafe("a\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\b"), "alinkb");
  EXPECT_EQ(TerminalSafe("a\x1bPqdcs stuff\x1b\\b"), "ab");
  EXPECT_EQ(TerminalSafe("a\x1b]0;never terminated"), "a");
}

TEST(TerminalTextTest, ShortEscapesAndLoneEscAreRemoved) {
  EXPECT_EQ(TerminalSafe("a\x1b"
                         "cb"),
            "ab");                            // RIS: full reset
  EXPECT_EQ(TerminalSafe("a\x1b(0b"), "ab");  // nF: charset switch
  EXPECT_EQ(TerminalSafe("a\x1b"), "a");
  EXPECT_EQ(TerminalSafe("a\x1b\x1b[2Jb"), "ab");
}

TEST(TerminalTextTest, C0ControlsAndDel) {
  EXPECT_EQ(TerminalSafe("ab\rcd"), "abcd");  // CR could overwrite the line
  EXPECT_EQ(TerminalSafe("a\bb\x07"
                         "c\x7f"
                         "d"),
            "abcd");
  EXPECT_EQ(TerminalSafe("a\tb"), "a b");
  EXPECT_EQ(TerminalSafe(std::string("a\0b", 3)), "ab");
}

TEST(TerminalTextTest, LineBreaks) {
  EXPECT_EQ(TerminalSafe("line 1\r\nline 2\n", LineBreaks::kKeep), "line 1\nline 2\n");
  EXPECT_EQ(TerminalSafe("line 1\r\nline 2", LineBreaks::kToSpace), "line 1 line 2");
  EXPECT_EQ(TerminalSafe("a\nb"), "a b");
}

TEST(TerminalTextTest, C1ControlsInUtf8AndInvalidBytes) {
  EXPECT_EQ(TerminalSafe("a\xc2\x9b"
                         "2Jb"),
            "ab");  // U+009B CSI
  EXPECT_EQ(TerminalSafe("a\xc2\x9d"
                         "0;t\x07"
                         "b"),
            "ab");  // U+009D OSC
  EXPECT_EQ(TerminalSafe("a\xc2\x85"
                         "b"),
            "ab");  // NEL
  EXPECT_EQ(TerminalSafe("a\x9b"
                         "2Jb"),
            "a?2Jb");                                  // raw 8-bit CSI: neutralised
  EXPECT_EQ(TerminalSafe("a\xc0\xafz"), "a??z");       // overlong '/'
  EXPECT_EQ(TerminalSafe("a\xed\xa0\x80z"), "a???z");  // UTF-16 surrogate
  EXPECT_EQ(TerminalSafe("\xe2\x9c"), "??");           // truncated
}

TEST(TerminalTextTest, Helpers) {
  EXPECT_TRUE(HasControlCharacters("a\x1b"));
  EXPECT_TRUE(HasControlCharacters("a\n"));
  EXPECT_TRUE(HasControlCharacters("a\x7f"));
  EXPECT_FALSE(HasControlCharacters("a\tb ü"));
  EXPECT_EQ(EscapeForMessage("a\x1b[2J\n\xff"), "a\\x1b[2J\\x0a\\xff");
}

}  // namespace
}  // namespace sekisho::client
