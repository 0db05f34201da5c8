// Projects the user may not write: a chmod 444 file (checked by its mode bits, so also as root,
// whom permissions do not stop) or a file in a read-only folder opens read-only for viewing, says
// "read-only" (never "damaged") when a write is tried, is not modified, and leaves no -wal or
// -shm file beside it that would later block a writer.
#include "common/error.h"
#include "store/project_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace cs::store {
namespace {
namespace fs = std::filesystem;

fs::path freshDir(const std::string& name) {
    const fs::path dir = fs::path(CS_TEST_TMP) / "store-read-only" / name;
    if (fs::exists(dir)) chmod(dir.c_str(), 0755);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string bytesOf(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

// A closed project with one finished run; SQLite removes -wal and -shm when the last connection closes.
void makeProject(const fs::path& path) {
    auto store = ProjectStore::create(path.string());
    const int64_t run = store->createRun("craft", "{}");
    store->markRunning(run);
    store->completeRun(run, "{}", [] {});
}

// Opens, reads the runs, tries to write one; returns the write's error text.
std::string openReadAndTryToWrite(const fs::path& path) {
    auto store = ProjectStore::open(path.string());
    EXPECT_TRUE(store->readOnly());
    EXPECT_EQ(store->runs().size(), 1u);
    try {
        store->createRun("craft", "{}");
    } catch (const Error& e) {
        return e.what();
    }
    return "the write was accepted";
}

TEST(ReadOnlyProject, AChmod444FileOpensForViewingAndIsNeverWritten) {
    const fs::path dir = freshDir("file");
    const fs::path path = dir / "p.cstudio";
    makeProject(path);
    ASSERT_EQ(chmod(path.c_str(), 0444), 0);
    const std::string before = bytesOf(path);

    const std::string error = openReadAndTryToWrite(path);
    EXPECT_NE(error.find("read-only"), std::string::npos) << error;
    EXPECT_EQ(error.find("damaged"), std::string::npos) << error;
    EXPECT_EQ(bytesOf(path), before);
    EXPECT_FALSE(fs::exists(dir / "p.cstudio-shm"));
    EXPECT_FALSE(fs::exists(dir / "p.cstudio-wal"));

    // Made writable again, the project takes writes: nothing stray blocks them.
    ASSERT_EQ(chmod(path.c_str(), 0644), 0);
    auto store = ProjectStore::open(path.string());
    EXPECT_FALSE(store->readOnly());
    EXPECT_GT(store->createRun("craft", "{}"), 0);
}

TEST(ReadOnlyProject, AProjectInAReadOnlyFolderOpensForViewing) {
    const fs::path dir = freshDir("folder");
    const fs::path path = dir / "p.cstudio";
    makeProject(path);
    ASSERT_EQ(chmod(dir.c_str(), 0555), 0);
    const std::string error = openReadAndTryToWrite(path);
    EXPECT_NE(error.find("read-only"), std::string::npos) << error;
    EXPECT_EQ(error.find("damaged"), std::string::npos) << error;
    ASSERT_EQ(chmod(dir.c_str(), 0755), 0);
    EXPECT_FALSE(fs::exists(dir / "p.cstudio-shm"));
}

}  // namespace
}  // namespace cs::store
