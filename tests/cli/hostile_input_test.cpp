// `concept-studio-cli` against hostile input: numeric options out of range (zero, negative, NaN,
// infinite) are bad usage (exit 2) with a message naming the option and a human bound; FIFOs,
// devices and folders given where a file is read are refused up front (exit 1, the path named)
// instead of blocking; and a user with 10^5 interactions costs what one with the model's window
// does. Every run goes through `timeout`, so a regression fails the test instead of hanging it.
#include "cli_runner.h"
#include "small_recsae_project.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using cs::testing::CliResult;

namespace {

const std::string kDir = std::string(CS_TEST_TMP) + "/cli-hostile";
cs::testing::SmallRecSaeProject* fixture = nullptr;

// A hanging CLI is killed after `seconds` (exit 124), so the assertion that follows fails.
CliResult runWithin(int seconds, const std::string& arguments) {
    return cs::testing::runCli(arguments, cs::testing::CliStreams::Separate, "timeout " + std::to_string(seconds));
}

std::string shellQuoted(const std::string& path) { return "'" + path + "'"; }

class HostileInput : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (fixture) return;
        fixture = new cs::testing::SmallRecSaeProject(cs::testing::buildSmallRecSaeProject(kDir + "/project"));
        fs::remove(fifo());
        ASSERT_EQ(mkfifo(fifo().c_str(), 0600), 0);
        fs::create_directories(folder());
    }
    static std::string fifo() { return kDir + "/fifo"; }
    static std::string folder() { return kDir + "/folder"; }

    // Bad usage: exit 2, the option named, and no 300-digit "bound" from numeric_limits.
    static void expectUsageError(const std::string& arguments, const std::string& option) {
        SCOPED_TRACE(arguments);
        const CliResult r = runWithin(30, arguments);
        EXPECT_EQ(r.exitCode, 2) << r.err;
        EXPECT_NE(r.err.find(option), std::string::npos) << r.err;
        EXPECT_EQ(r.err.find("179769"), std::string::npos) << r.err;
        EXPECT_LT(r.err.size(), 300u) << r.err;
    }

    // A file that is not one: exit 1 quickly, the path named with what is wrong.
    static void expectRefused(const std::string& arguments, const std::string& path, const std::string& problem) {
        SCOPED_TRACE(arguments);
        const CliResult r = runWithin(60, arguments);
        EXPECT_EQ(r.exitCode, 1) << r.err;
        EXPECT_NE(r.err.find(path + ": " + problem), std::string::npos) << r.err;
    }
};

TEST_F(HostileInput, NumericOptionsOutOfRangeAreBadUsageNamingTheOption) {
    const std::string sasrec = "train-sasrec --interactions " + shellQuoted(fixture->interactions) + " --out " +
                               shellQuoted(kDir + "/unused.pt") + " ";
    expectUsageError(sasrec + "--batch-size 0", "--batch-size");
    expectUsageError(sasrec + "--batch-size -3", "--batch-size");
    expectUsageError(sasrec + "--max-len 0", "--max-len");
    expectUsageError(sasrec + "--epochs 0", "--epochs");

    const std::string craft = "craft --project " + shellQuoted(kDir + "/craft.cstudio") +
                              " --model m.pt --images imgs --class 0 --layer layer4 ";
    expectUsageError(craft + "--concepts 0", "--concepts");
    expectUsageError(craft + "--patch-size -1", "--patch-size");
    expectUsageError(craft + "--sub-concepts 0", "--sub-concepts");
    expectUsageError(craft + "--max-images -1", "--max-images");
    expectUsageError(craft + "--map-images -1", "--map-images");
    expectUsageError(craft + "--batch-size 0", "--batch-size");

    const std::string recsae = "recsae --project " + shellQuoted(kDir + "/recsae.cstudio") + " --model " +
                               shellQuoted(fixture->model) + " --interactions " + shellQuoted(fixture->interactions) + " ";
    expectUsageError(recsae + "--k 0", "--k");
    expectUsageError(recsae + "--expansion 0", "--expansion");
    expectUsageError(recsae + "--epochs -1", "--epochs");

    const std::string ablate = "ablate --project " + shellQuoted(fixture->project) + " --run " +
                               std::to_string(fixture->runId) + " --latent 0 ";
    expectUsageError(ablate + "--scale nan", "--scale");
    expectUsageError(ablate + "--scale inf", "--scale");
    expectUsageError(ablate + "--scale -inf", "--scale");
    expectUsageError(ablate + "--top-n 0", "--top-n");
    expectUsageError(ablate + "--users 0", "--users");
    expectUsageError("ablate --project " + shellQuoted(fixture->project) + " --run " + std::to_string(fixture->runId) +
                         " --latent -1",
                     "--latent");

    expectUsageError("demo --out " + shellQuoted(kDir + "/demo") + " --craft-images 0", "--craft-images");
}

TEST_F(HostileInput, FifosAndFoldersAreRefusedInsteadOfRead) {
    const std::string f = fifo();
    const std::string notRegular = "is not a regular file";
    expectRefused("layout --tree " + shellQuoted(f), f, notRegular);
    expectRefused("layout --tree " + shellQuoted(folder()), folder(), "is a folder");
    expectRefused("runs --project " + shellQuoted(f), f, notRegular);
    expectRefused("runs --project " + shellQuoted(folder()), folder(), "is a folder");
    expectRefused("runs --project /dev/null", "/dev/null", notRegular);
    expectRefused("train-sasrec --interactions " + shellQuoted(f) + " --out " + shellQuoted(kDir + "/x.pt"), f, notRegular);
    expectRefused("recsae --project " + shellQuoted(kDir + "/r.cstudio") + " --model " + shellQuoted(f) + " --interactions " +
                      shellQuoted(fixture->interactions),
                  f, notRegular);
    expectRefused("recsae --project " + shellQuoted(kDir + "/r.cstudio") + " --model " + shellQuoted(folder()) +
                      " --interactions " + shellQuoted(fixture->interactions),
                  folder(), "is a folder");
    expectRefused("recsae --project " + shellQuoted(kDir + "/r.cstudio") + " --model " + shellQuoted(fixture->model) +
                      " --interactions " + shellQuoted(f),
                  f, notRegular);
    expectRefused("recsae --project " + shellQuoted(kDir + "/r.cstudio") + " --model " + shellQuoted(fixture->model) +
                      " --interactions " + shellQuoted(fixture->interactions) + " --item-meta " + shellQuoted(f),
                  f, notRegular);
    expectRefused("recsae --project " + shellQuoted(f) + " --model " + shellQuoted(fixture->model) + " --interactions " +
                      shellQuoted(fixture->interactions),
                  f, notRegular);
    expectRefused("export --project " + shellQuoted(f) + " --out " + shellQuoted(kDir + "/export"), f, notRegular);
}

// One user with 100000 interactions beside the fixture's users: recsae and train-sasrec cut the
// user to the model's window before any per-position work, so both finish in seconds.
TEST_F(HostileInput, AUserWithAHundredThousandItemsIsCutToTheModelsWindow) {
    const std::string log = kDir + "/long-user.txt";
    {
        std::ifstream in(fixture->interactions);
        std::stringstream text;
        text << in.rdbuf();
        std::ofstream out(log);
        out << text.str();
        if (!text.str().empty() && text.str().back() != '\n') out << '\n';
        // The fixture's items are 1..120 (sasrec format: user, then its items in order).
        out << "999999";
        for (int i = 0; i < 100000; ++i) out << ' ' << 1 + (i * 7) % 120;
        out << '\n';
    }

    const CliResult recsae = runWithin(
        120, "recsae --project " + shellQuoted(kDir + "/long.cstudio") + " --model " + shellQuoted(fixture->model) +
                 " --interactions " + shellQuoted(log) + " --expansion 4 --k 4 --epochs 1 --json " +
                 shellQuoted(kDir + "/long-recsae.json"));
    ASSERT_EQ(recsae.exitCode, 0) << recsae.err;
    std::ifstream summaryFile(kDir + "/long-recsae.json");
    const auto summary = nlohmann::json::parse(summaryFile);
    EXPECT_GT(summary.value("n_latents", 0), 0);

    const CliResult sasrec = runWithin(120, "train-sasrec --interactions " + shellQuoted(log) + " --out " +
                                                shellQuoted(kDir + "/long.pt") + " --epochs 1 --max-len 16 --json " +
                                                shellQuoted(kDir + "/long-sasrec.json"));
    ASSERT_EQ(sasrec.exitCode, 0) << sasrec.err;
    std::ifstream sasrecFile(kDir + "/long-sasrec.json");
    const auto trained = nlohmann::json::parse(sasrecFile);
    EXPECT_EQ(trained.value("users", 0), 241);
}

// A small IDX file of `count` gray size×size images (the MNIST format; every image has label 0).
void writeIdxImages(const std::string& path, int count, int size) {
    std::ofstream out(path, std::ios::binary);
    const auto be32 = [&](uint32_t v) {
        const char bytes[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
        out.write(bytes, 4);
    };
    be32(0x00000803);
    be32(uint32_t(count));
    be32(uint32_t(size));
    be32(uint32_t(size));
    for (int i = 0; i < count * size * size; ++i) out.put(char((i * 37) % 251));
}

class HostileModels : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        fs::create_directories(kDir + "/models");
        const std::string command =
            std::string(CS_PYTHON) + " " + CS_HOSTILE_MODELS_SCRIPT + " " + shellQuoted(kDir + "/models");
        ASSERT_EQ(std::system(command.c_str()), 0) << command;
        writeIdxImages(kDir + "/models/images.idx", 4, 16);
    }
    static CliResult craftWith(const std::string& model, const std::string& images = "images.idx",
                               const std::string& extra = "") {
        return runWithin(120, "craft --project " + shellQuoted(kDir + "/models/p.cstudio") + " --model " +
                                  shellQuoted(kDir + "/models/" + model) + " --images " +
                                  shellQuoted(kDir + "/models/" + images) +
                                  " --class 0 --layer block1 --concepts 2 --patch-size 8 --max-images 8 " + extra);
    }
};

// NaN logits are caught where the model makes them, naming the model, not as a database error.
TEST_F(HostileModels, NonFiniteLogitsNameTheModelNotTheProject) {
    const CliResult r = craftWith("nan_logits.pt");
    EXPECT_EQ(r.exitCode, 1) << r.err;
    EXPECT_NE(r.err.find("nan_logits.pt: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("non-finite logits"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("database"), std::string::npos) << r.err;
}

// A declared input of 3×100000×100000 would ask for 120 GB: refused naming the file, and no
// LibTorch backtrace on stderr.
TEST_F(HostileModels, AHugeDeclaredInputIsRefusedWithoutABacktrace) {
    const CliResult r = craftWith("huge_input.pt");
    EXPECT_EQ(r.exitCode, 1) << r.err;
    EXPECT_NE(r.err.find("huge_input.pt: input_size 3x100000x100000 is too large"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("frame #"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("Exception raised from"), std::string::npos) << r.err;
    EXPECT_LT(r.err.size(), 600u) << r.err;
}

// A folder with unreadable images among readable ones: they are skipped with a warning and a
// count that the run keeps; --strict stops at the first, naming it.
TEST_F(HostileModels, UnreadableImagesAreSkippedAndCountedOrStopTheRunWithStrict) {
    const std::string json = kDir + "/models/skipped.json";
    const CliResult r = craftWith("ok.pt", "images", "--json " + shellQuoted(json));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.err.find("warning: 2 unreadable image(s) skipped"), std::string::npos) << r.err;
    std::ifstream in(json);
    const auto summary = nlohmann::json::parse(in);
    EXPECT_EQ(summary.value("images_skipped", -1), 2);
    EXPECT_EQ(summary.value("n_images", 0), 4);
    ASSERT_EQ(summary["skipped_images"].size(), 2u);
    const std::string listed = summary["skipped_images"].dump();
    EXPECT_NE(listed.find("broken.png"), std::string::npos) << listed;
    EXPECT_NE(listed.find("empty.png"), std::string::npos) << listed;

    const CliResult strict = craftWith("ok.pt", "images", "--strict");
    EXPECT_EQ(strict.exitCode, 1) << strict.err;
    EXPECT_NE(strict.err.find(".png: "), std::string::npos) << strict.err;
}

}  // namespace
