// Interaction logs and item metadata written by a hostile or careless hand: a byte-order mark,
// ids too long for 64 bits, non-finite times, binary content, a 20 MB line, a folder, a device,
// a line without end. Each is accepted or refused with a message naming the file and line that
// stays short and never echoes raw bytes.
#include "common/error.h"
#include "data/interactions.h"
#include "data/item_metadata.h"
#include "data/text_lines.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace cs::data {
namespace {
namespace fs = std::filesystem;

fs::path dir() {
    static const fs::path d = [] {
        fs::path p = fs::path(CS_TEST_TMP) / "data-tests" / "hostile-text";
        fs::remove_all(p);
        fs::create_directories(p);
        return p;
    }();
    return d;
}

std::string write(const std::string& name, const std::string& bytes) {
    const fs::path path = dir() / name;
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    return path.string();
}

// The cs::Error's full text when loading fails; "" when it loads.
std::string loadError(const std::string& path, InteractionFormat format = InteractionFormat::Auto) {
    try {
        InteractionLoadOptions options;
        options.format = format;
        loadInteractions(path, options);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

bool printableAscii(const std::string& text) {
    for (unsigned char c : text)
        if (c < 0x20 || c >= 0x7F) return false;
    return true;
}

TEST(HostileInteractionLogs, AByteOrderMarkBeforeTheHeaderIsAccepted) {
    const std::string path = write("bom.tsv", "\xEF\xBB\xBFuser_id\titem_id\ttime\n1\t10\t1\n1\t11\t2\n1\t12\t3\n");
    const InteractionLog log = loadInteractions(path);
    EXPECT_EQ(log.format, InteractionFormat::ReChorus);
    EXPECT_EQ(log.numInteractions, 3);
    EXPECT_EQ(log.userIds.at(0), "1");
}

TEST(HostileInteractionLogs, IdsBeyondEighteenDigitsSaySo) {
    const std::string path = write("long-id.txt", "1 2\n1 3\n1234567890123456789 4\n");
    const std::string error = loadError(path, InteractionFormat::SasRec);
    EXPECT_NE(error.find(path + ":3"), std::string::npos) << error;
    EXPECT_NE(error.find("19 digits"), std::string::npos) << error;
    EXPECT_NE(error.find("at most 18"), std::string::npos) << error;
}

TEST(HostileInteractionLogs, NonFiniteTimesAreRefusedWithTheLineNumber) {
    for (const std::string time : {"nan", "inf", "-inf", "NaN"}) {
        const std::string path = write("time-" + time + ".tsv", "user_id\titem_id\ttime\n1\t10\t1\n1\t11\t" + time + "\n");
        const std::string error = loadError(path);
        EXPECT_NE(error.find(path + ":3"), std::string::npos) << error;
        EXPECT_NE(error.find("not a finite number"), std::string::npos) << error;
    }
    const std::string movielens = write("ml-nan.dat", "1::10::5::1\n1::11::4::nan\n");
    const std::string error = loadError(movielens);
    EXPECT_NE(error.find(movielens + ":2"), std::string::npos) << error;
    EXPECT_NE(error.find("timestamp"), std::string::npos) << error;
}

TEST(HostileInteractionLogs, BinaryContentIsReportedWithoutEchoingItsBytes) {
    const std::string path = write("binary.txt", std::string("1 2\n1 3\n\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 24));
    const std::string error = loadError(path, InteractionFormat::SasRec);
    EXPECT_NE(error.find(path + ":3"), std::string::npos) << error;
    EXPECT_NE(error.find("binary"), std::string::npos) << error;
    EXPECT_TRUE(printableAscii(error)) << error;
    // Auto detection reads the first line too: the same message, not a garbled format guess.
    const std::string first = write("binary-first.txt", std::string("\0\0\0\0 1 2\n", 9));
    const std::string detect = loadError(first);
    EXPECT_NE(detect.find("binary"), std::string::npos) << detect;
    EXPECT_TRUE(printableAscii(detect)) << detect;
}

TEST(HostileInteractionLogs, ATwentyMegabyteLineIsQuotedInAtMostEightyCharacters) {
    const std::string path = write("long-line.txt", "1 2\n" + std::string(20u << 20, 'x') + "\n");
    const std::string error = loadError(path, InteractionFormat::SasRec);
    ASSERT_FALSE(error.empty());
    EXPECT_NE(error.find(path + ":2"), std::string::npos) << error.substr(0, 300);
    // The quote of the line: its run of x's plus the tail that gives its length, within 80 characters.
    const size_t quoteStart = error.find("xxxx");
    ASSERT_NE(quoteStart, std::string::npos) << error.substr(0, 300);
    const size_t quoteEnd = error.find('\'', quoteStart);
    ASSERT_NE(quoteEnd, std::string::npos) << error.substr(0, 300);
    EXPECT_LE(quoteEnd - quoteStart, 80u) << error;
    EXPECT_NE(error.find("20971520 bytes"), std::string::npos) << error;
    EXPECT_LT(error.size(), 400u) << error.substr(0, 400);
}

TEST(HostileInteractionLogs, AFolderOrADeviceIsNamedForWhatItIs) {
    EXPECT_NE(loadError(dir().string()).find("is a folder"), std::string::npos);
    const std::string zero = loadError("/dev/zero");
    EXPECT_NE(zero.find("/dev/zero"), std::string::npos) << zero;
    EXPECT_NE(zero.find("not a regular file"), std::string::npos) << zero;
}

TEST(HostileInteractionLogs, ALineWithoutEndStopsAtTheDocumentedLimit) {
    // 65 MiB of digits and no line break: the reader stops at 64 MiB instead of growing without bound.
    const std::string path = write("endless.txt", std::string(kMaxTextLineBytes + (1u << 20), '7'));
    const std::string error = loadError(path, InteractionFormat::SasRec);
    EXPECT_NE(error.find(path + ":1"), std::string::npos) << error;
    EXPECT_NE(error.find("longer than 64 MiB"), std::string::npos) << error;
    fs::remove(path);
}

TEST(HostileItemMetadata, BinaryContentAndByteOrderMark) {
    const std::string bom = write("meta-bom.tsv", "\xEF\xBB\xBFitem_id\ttitle\n10\tA film\n");
    EXPECT_EQ(loadItemMetadata(bom).items.at("10").title, "A film");
    const std::string binary = write("meta-binary.tsv", std::string("item_id\ttitle\n10\t\0\x07\n", 20));
    try {
        loadItemMetadata(binary);
        FAIL() << "binary metadata was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.subject(), binary + ":2");
        EXPECT_TRUE(printableAscii(e.what())) << e.what();
    }
}

TEST(TextLinesReader, LinesAcrossChunksAndLineEndsAreKept) {
    const std::string longLine(200000, 'a');
    const std::string path = write("lines.txt", "first\r\n" + longLine + "\n\nlast");
    TextLines lines(path, "a test file");
    std::string line;
    ASSERT_TRUE(lines.next(line));
    EXPECT_EQ(line, "first");
    ASSERT_TRUE(lines.next(line));
    EXPECT_EQ(line, longLine);
    ASSERT_TRUE(lines.next(line));
    EXPECT_EQ(line, "");
    ASSERT_TRUE(lines.next(line));
    EXPECT_EQ(line, "last");
    EXPECT_EQ(lines.lineNumber(), 4);
    EXPECT_FALSE(lines.next(line));
}

}  // namespace
}  // namespace cs::data
