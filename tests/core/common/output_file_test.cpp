// writeOutputFile: regular files replaced atomically, everything else written through, and a
// failed write (here: the file-size limit) leaving the old file and no temporary behind.
#include "common/output_file.h"

#include "common/error.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace {

fs::path freshDir(const std::string& name) {
    const fs::path dir = fs::path(CS_TEST_TMP) / "output_file" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string readAll(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

size_t entries(const fs::path& dir) { return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator())); }

}  // namespace

TEST(OutputFile, CreatesAndReplacesRegularFilesLeavingNoTemporary) {
    const auto dir = freshDir("regular");
    const auto file = dir / "out.json";
    cs::writeOutputFile(file.string(), "first");
    EXPECT_EQ(readAll(file), "first");
    cs::writeOutputFile(file.string(), "second, longer");
    EXPECT_EQ(readAll(file), "second, longer");
    EXPECT_EQ(entries(dir), 1u);
    struct stat info {};
    ASSERT_EQ(::stat(file.c_str(), &info), 0);
    EXPECT_NE(info.st_mode & S_IRGRP, 0u) << "created with the ordinary permissions, not mkstemp's 0600";
}

TEST(OutputFile, DevicesAreWrittenThroughNotReplaced) {
    cs::writeOutputFile("/dev/null", "nothing");
    struct stat info {};
    ASSERT_EQ(::stat("/dev/null", &info), 0);
    EXPECT_TRUE(S_ISCHR(info.st_mode)) << "/dev/null must stay a character device";
}

TEST(OutputFile, FifosAreWrittenThrough) {
    const auto dir = freshDir("fifo");
    const auto fifo = dir / "pipe";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::string received;
    std::thread reader([&] { received = readAll(fifo); });
    cs::writeOutputFile(fifo.string(), "through the pipe");
    reader.join();
    EXPECT_EQ(received, "through the pipe");
    struct stat info {};
    ASSERT_EQ(::stat(fifo.c_str(), &info), 0);
    EXPECT_TRUE(S_ISFIFO(info.st_mode));
}

TEST(OutputFile, SymbolicLinksAreFollowedAndKept) {
    const auto dir = freshDir("symlink");
    const auto target = dir / "target.json", link = dir / "link.json";
    std::ofstream(target) << "old";
    fs::create_symlink(target, link);
    cs::writeOutputFile(link.string(), "new");
    EXPECT_TRUE(fs::is_symlink(link));
    EXPECT_EQ(readAll(target), "new");
    const auto dangling = dir / "dangling.json";
    fs::create_symlink(dir / "created.json", dangling);
    cs::writeOutputFile(dangling.string(), "made");
    EXPECT_TRUE(fs::is_symlink(dangling));
    EXPECT_EQ(readAll(dir / "created.json"), "made");
}

TEST(OutputFile, AFolderIsRefusedByName) {
    const auto dir = freshDir("folder");
    try {
        cs::writeOutputFile(dir.string(), "x");
        FAIL() << "expected cs::Error";
    } catch (const cs::Error& e) {
        EXPECT_NE(std::string(e.what()).find(dir.string()), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("folder"), std::string::npos);
    }
}

TEST(OutputFile, OverTheFileSizeLimitTheOldFileStaysAndNoTemporaryIsLeft) {
    const auto dir = freshDir("limit");
    const auto file = dir / "report.html";
    std::ofstream(file) << "old report";
    cs::ignoreFileSizeSignal();
    rlimit original {};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &original), 0);
    rlimit small = original;
    small.rlim_cur = 4096;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    std::string message;
    try {
        cs::writeOutputFile(file.string(), std::string(100000, 'x'));
    } catch (const cs::Error& e) {
        message = e.what();
    }
    ::setrlimit(RLIMIT_FSIZE, &original);
    EXPECT_NE(message.find("File too large"), std::string::npos) << message;
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_EQ(readAll(file), "old report");
    EXPECT_EQ(entries(dir), 1u);
}
