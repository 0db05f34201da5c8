// requireRegularFile: regular files (and links to them) pass; a missing path, a folder, a FIFO
// and a device are refused with the path as the subject, without blocking on the FIFO.
#include "common/error.h"
#include "common/input_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace {

fs::path freshDir() {
    const fs::path dir = fs::path(CS_TEST_TMP) / "input-file";
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string problemFor(const std::string& path) {
    try {
        cs::requireRegularFile(path, "a tree file (JSON)");
    } catch (const cs::Error& e) {
        EXPECT_EQ(e.subject(), path);
        return e.problem();
    }
    return "accepted";
}

}  // namespace

TEST(RequireRegularFile, AcceptsFilesAndLinksToThem) {
    const fs::path dir = freshDir();
    std::ofstream(dir / "tree.json") << "{}";
    fs::create_symlink(dir / "tree.json", dir / "link.json");
    EXPECT_EQ(problemFor((dir / "tree.json").string()), "accepted");
    EXPECT_EQ(problemFor((dir / "link.json").string()), "accepted");
}

TEST(RequireRegularFile, RefusesWhatIsNotAFileNamingWhatWasExpected) {
    const fs::path dir = freshDir();
    const std::string fifo = (dir / "fifo").string();
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_EQ(problemFor((dir / "missing.json").string()), "does not exist; cannot open it");
    EXPECT_EQ(problemFor(dir.string()), "is a folder, expected a tree file (JSON)");
    EXPECT_EQ(problemFor(fifo), "is not a regular file (a FIFO, device or socket); expected a tree file (JSON)");
    EXPECT_EQ(problemFor("/dev/null"), "is not a regular file (a FIFO, device or socket); expected a tree file (JSON)");
}
