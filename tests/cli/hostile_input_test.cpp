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

}  // namespace
