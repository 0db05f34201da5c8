// quoteForMessage keeps messages short and free of raw bytes; withoutBacktrace drops LibTorch's
// stack frames from an exception text and keeps the message.
#include "common/message_text.h"

#include <gtest/gtest.h>

namespace {

size_t characters(const std::string& utf8) {
    size_t count = 0;
    for (unsigned char c : utf8) count += (c & 0xC0) != 0x80;
    return count;
}

TEST(QuoteForMessage, ShortTextIsKeptAsItIs) {
    EXPECT_EQ(cs::quoteForMessage("user 12 item 7"), "user 12 item 7");
    EXPECT_EQ(cs::quoteForMessage("Café ☕"), "Café ☕");
}

TEST(QuoteForMessage, ALongLineIsCutToTheLimitAndSaysItsLength) {
    const std::string line(20u << 20, 'x');
    const std::string quoted = cs::quoteForMessage(line, 80);
    EXPECT_LE(characters(quoted), 80u);
    EXPECT_NE(quoted.find("20971520 bytes"), std::string::npos) << quoted;
    EXPECT_EQ(quoted.rfind("xxxx", 0), 0u);
}

TEST(QuoteForMessage, ControlAndInvalidBytesAreEscapedNeverEchoed) {
    const std::string raw = std::string("a\0b", 3) + "\x1b[31m" + "\xff";
    const std::string quoted = cs::quoteForMessage(raw);
    EXPECT_EQ(quoted, "a\\x00b\\x1B[31m\\xFF");
    for (unsigned char c : quoted) EXPECT_TRUE(c >= 0x20 && c < 0x7F) << int(c);
}

TEST(QuoteForMessage, EscapesCountTowardsTheLimit) {
    const std::string quoted = cs::quoteForMessage(std::string(1000, '\0'), 80);
    EXPECT_LE(quoted.size(), 80u);
    EXPECT_NE(quoted.find("1000 bytes"), std::string::npos);
}

TEST(LooksBinary, NulAndControlBytesAreBinaryTabsAndLineEndsAreNot) {
    EXPECT_FALSE(cs::looksBinary("1\t2\t3.5\r\n"));
    EXPECT_TRUE(cs::looksBinary(std::string("1 2\0", 4)));
    EXPECT_TRUE(cs::looksBinary("\x01\x02"));
}

TEST(WithoutBacktrace, DropsLibTorchFramesAndKeepsTheMessage) {
    const std::string c10Text =
        "[enforce fail at alloc_cpu.cpp:75] err == 0. DefaultCPUAllocator: can't allocate memory: you tried to "
        "allocate 120000000000 bytes.\n"
        "Exception raised from alloc_cpu at ../c10/core/impl/alloc_cpu.cpp:75 (most recent call first):\n"
        "frame #0: c10::Error::Error(c10::SourceLocation, std::string) + 0x57 (0x7f in /lib/libc10.so)\n"
        "frame #1: <unknown function> + 0x1234 (0x7f in /lib/libtorch_cpu.so)\n"
        "\n";
    const std::string clean = cs::withoutBacktrace(c10Text);
    EXPECT_EQ(clean.find("frame #"), std::string::npos);
    EXPECT_EQ(clean.find("Exception raised from"), std::string::npos);
    EXPECT_NE(clean.find("can't allocate memory"), std::string::npos);
    EXPECT_EQ(cs::withoutBacktrace("model.pt: no such file"), "model.pt: no such file");
}

}  // namespace
