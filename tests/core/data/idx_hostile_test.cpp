// IDX headers that claim far more data than the file holds are reported as short files after
// reading what is there; the claim is never allocated up front (a fuzz_idx finding: a 26-byte
// file claiming 454 million labels allocated and zeroed 454 MB first).
#include "common/error.h"
#include "data/idx_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <fstream>

namespace cs::data {
namespace {
namespace fs = std::filesystem;

std::string writeBytes(const std::string& name, const std::string& bytes) {
    const fs::path dir = fs::path(CS_TEST_TMP) / "data-tests" / "idx-hostile";
    fs::create_directories(dir);
    const fs::path path = dir / name;
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    return path.string();
}

std::string errorOf(const std::function<void()>& read) {
    try {
        read();
    } catch (const Error& e) {
        return e.what();
    }
    return "accepted";
}

TEST(HostileIdx, LabelsClaimingHundredsOfMillionsAreAShortFile) {
    // The fuzzer's input: magic 0x801, count 0x1b1c1d1e, then 18 bytes.
    const std::string bytes("\x00\x00\x08\x01\x1b\x1c\x1d\x1e\x1f\x20\x21\x22\x23\x24\x25\x26\x27\x28\x29\x00\x00\x00\x03\x00\x01\x02", 26);
    const std::string path = writeBytes("labels-claim", bytes);
    const std::string error = errorOf([&] { readIdxLabels(path); });
    EXPECT_NE(error.find("IDX body is short: expected 454827294 bytes"), std::string::npos) << error;
    EXPECT_NE(error.find("found 18"), std::string::npos) << error;
}

TEST(HostileIdx, ImagesClaimingMoreThanTheFileHoldsAreAShortFile) {
    // 20 000 000 images of 28×28 claimed (15.7 GB, under the 16 GiB limit), one image present.
    std::string bytes("\x00\x00\x08\x03\x01\x31\x2D\x00\x00\x00\x00\x1C\x00\x00\x00\x1C", 16);
    bytes += std::string(28 * 28, '\x7F');
    const std::string path = writeBytes("images-claim", bytes);
    const std::string error = errorOf([&] { readIdxImages(path); });
    EXPECT_NE(error.find("IDX body is short"), std::string::npos) << error;
    EXPECT_NE(error.find("found 784"), std::string::npos) << error;
}

}  // namespace
}  // namespace cs::data
