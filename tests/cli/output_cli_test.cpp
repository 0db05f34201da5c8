// What the CLI says about itself and how it writes its outputs: --version names the BLAS (and
// warns on the reference one), `--json -` is standard output, `--json /dev/null` leaves the
// device alone, and a file-size limit is a message and exit 1, not a death by SIGXFSZ.
#include "cli_runner.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using cs::testing::runCli;

namespace {

fs::path treeFile() {
    const fs::path dir = fs::path(CS_TEST_TMP) / "output_cli";
    fs::create_directories(dir);
    const fs::path tree = dir / "tree.json";
    std::ofstream(tree) << R"({"name": "root", "children": [{"name": "a", "weight": 1}, {"name": "b", "weight": 3}]})";
    return tree;
}

}  // namespace

TEST(VersionCli, NamesTheBlasAndTheThreads) {
    const auto result = runCli("--version");
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_NE(result.out.find("BLAS: "), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("intra-op threads"), std::string::npos) << result.out;
    // install-deps.sh installs OpenBLAS, which Debian's alternatives prefer to the reference BLAS.
    EXPECT_NE(result.out.find("BLAS: OpenBLAS"), std::string::npos) << result.out;
    EXPECT_EQ(result.out.find("warning"), std::string::npos) << result.out;
}

TEST(VersionCli, WarnsOnTheReferenceBlas) {
    // libblas3 (the reference BLAS) is a dependency of Debian's LAPACK; put it first on the path.
    const std::string referenceDir = "/usr/lib/x86_64-linux-gnu/blas";
    ASSERT_TRUE(fs::exists(referenceDir + "/libblas.so.3")) << "Debian's libblas3 is expected beside LibTorch";
    const auto result = runCli("--version", cs::testing::CliStreams::Separate, "LD_LIBRARY_PATH=" + referenceDir);
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_NE(result.out.find("BLAS: reference BLAS"), std::string::npos) << result.out;
    EXPECT_EQ(result.out.find("OpenBLAS 0."), std::string::npos) << "OpenBLAS's own description belongs to OpenBLAS only";
    EXPECT_NE(result.out.find("warning: matrix products run on the reference BLAS"), std::string::npos) << result.out;
}

TEST(OutputCli, JsonDashIsStandardOutput) {
    const auto result = runCli("layout --tree '" + treeFile().string() + "' --json -");
    ASSERT_EQ(result.exitCode, 0) << result.err;
    const auto json = nlohmann::json::parse(result.out);
    EXPECT_EQ(json["nodes"].size(), 3u);
}

TEST(OutputCli, JsonOntoADeviceWritesThroughIt) {
    const auto result = runCli("layout --tree '" + treeFile().string() + "' --json /dev/null");
    ASSERT_EQ(result.exitCode, 0) << result.err;
    struct stat info {};
    ASSERT_EQ(::stat("/dev/null", &info), 0);
    EXPECT_TRUE(S_ISCHR(info.st_mode)) << "/dev/null must stay a character device";
}

TEST(OutputCli, AFileSizeLimitIsAMessageNotASignal) {
    const fs::path out = fs::path(CS_TEST_TMP) / "output_cli" / "big.json";
    fs::remove(out);
    // 1 block of 512 bytes: the layout JSON is larger. Without SIGXFSZ ignored the shell reports 153.
    const auto result = runCli("layout --tree '" + treeFile().string() + "' --json '" + out.string() + "'", cs::testing::CliStreams::Separate,
                               "ulimit -f 1;");
    EXPECT_EQ(result.exitCode, 1) << result.out << result.err;
    EXPECT_NE(result.err.find(out.string()), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("File too large"), std::string::npos) << result.err;
    EXPECT_FALSE(fs::exists(out));
    for (const auto& entry : fs::directory_iterator(out.parent_path()))
        EXPECT_EQ(entry.path().filename().string().find("big.json.part"), std::string::npos) << "temporary left behind";
}
