// The crash-safety contract of docs/architecture.md, end to end: SIGKILL the CLI in the middle of a
// CRAFT run, then the project must open, pass PRAGMA integrity_check, keep the finished run
// intact, and show the killed run as interrupted with no partial results.
#include "cli_runner.h"
#include "store/project_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iterator>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const fs::path kDir = fs::path(CS_TEST_TMP) / "cli-kill";

// An MNIST-style IDX image file with random content (1 channel, size×size).
void writeIdx(const fs::path& path, int count, int size) {
    std::ofstream out(path, std::ios::binary);
    auto be32 = [&](uint32_t v) {
        const unsigned char b[4] = {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16),
                                    static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
        out.write(reinterpret_cast<const char*>(b), 4);
    };
    be32(0x00000803);
    be32(count);
    be32(size);
    be32(size);
    std::mt19937 rng(7);
    std::string pixels(static_cast<size_t>(count) * size * size, '\0');
    for (auto& p : pixels) p = static_cast<char>(rng() & 0xff);
    out.write(pixels.data(), static_cast<std::streamsize>(pixels.size()));
}

std::vector<std::string> craftArgs(const fs::path& project, const fs::path& model, const fs::path& images, int maxImages) {
    return {CS_CLI_PATH, "craft", "--project", project.string(), "--model", model.string(), "--images", images.string(),
            "--class", "0", "--layer", "block2", "--concepts", "3", "--patch-size", "16",
            "--max-images", std::to_string(maxImages), "--recursive-layers", "block1"};
}

pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
    const pid_t pid = fork();
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    return pid;
}

int waitExit(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Status of run `id` read with a plain SQLite connection (as another program would).
std::string runStatus(const fs::path& project, int64_t id) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(project.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return {};
    }
    sqlite3_busy_timeout(db, 1000);
    std::string status;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT status FROM runs WHERE id=?", -1, &s, nullptr) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, id);
        if (sqlite3_step(s) == SQLITE_ROW) status = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return status;
}

}  // namespace

TEST(CliKill, SigkillMidRunLeavesAHealthyProjectWithTheRunInterrupted) {
    fs::remove_all(kDir);
    fs::create_directories(kDir);
    const fs::path model = kDir / "tiny.pt", images = kDir / "images.idx", project = kDir / "kill.cstudio";
    const std::string exportCmd = std::string(CS_PYTHON) + " " + CS_EXPORT_SCRIPT + " " + model.string() + " 1 64 2 0";
    ASSERT_EQ(std::system(exportCmd.c_str()), 0) << exportCmd;
    writeIdx(images, 600, 64);

    // A run that finishes.
    const pid_t first = spawn(craftArgs(project, model, images, 8), kDir / "first.log");
    ASSERT_EQ(waitExit(first), 0) << std::ifstream(kDir / "first.log").rdbuf();
    int64_t doneConcepts = 0;
    {
        auto store = cs::store::ProjectStore::open(project.string(), true);
        ASSERT_EQ(store->runs().size(), 1u);
        ASSERT_EQ(store->run(1)->status, cs::store::RunStatus::Done);
        doneConcepts = static_cast<int64_t>(store->concepts(1).size());
        ASSERT_GT(doneConcepts, 0);
    }

    // A long run, killed as soon as it is running.
    const pid_t second = spawn(craftArgs(project, model, images, 600), kDir / "second.log");
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (runStatus(project, 2) != "running" && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
    ASSERT_EQ(runStatus(project, 2), "running") << "the second run never started";
    std::this_thread::sleep_for(300ms);  // let it get well into its work
    ASSERT_EQ(kill(second, SIGKILL), 0);
    EXPECT_EQ(waitExit(second), 128 + SIGKILL) << "the run finished before it could be killed";

    auto store = cs::store::ProjectStore::open(project.string());
    sqlite3_stmt* s = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(store->handle(), "PRAGMA integrity_check", -1, &s, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "ok");
    sqlite3_finalize(s);
    EXPECT_EQ(store->run(1)->status, cs::store::RunStatus::Done);
    EXPECT_EQ(static_cast<int64_t>(store->concepts(1).size()), doneConcepts) << "finished run intact";
    EXPECT_FALSE(store->crops(1).empty());
    EXPECT_EQ(store->run(2)->status, cs::store::RunStatus::Interrupted);
    EXPECT_TRUE(store->concepts(2).empty()) << "no partial results";
    EXPECT_TRUE(store->crops(2).empty());
    EXPECT_TRUE(store->artifacts(2).empty());

    // The CLI lists it as interrupted too.
    const cs::testing::CliResult listed = cs::testing::runCli("runs --project " + project.string());
    ASSERT_EQ(listed.exitCode, 0) << listed.err;
    EXPECT_NE(listed.out.find("interrupted"), std::string::npos) << listed.out;
}

// Ctrl-C while the model and the images are still loading, before any run is opened: the process
// ends at once (exit 130, saying so) and the project holds no run; were the run already open, it is
// stored cancelled. Either way no run is left running and no temporary file is left beside the
// project.
TEST(CliKill, SigintBeforeTheRunStartsEndsAtOnceAndLeavesNoRun) {
    fs::create_directories(kDir);
    const fs::path model = kDir / "tiny.pt", images = kDir / "images.idx", project = kDir / "sigint.cstudio";
    if (!fs::exists(model)) {
        const std::string exportCmd = std::string(CS_PYTHON) + " " + CS_EXPORT_SCRIPT + " " + model.string() + " 1 64 2 0";
        ASSERT_EQ(std::system(exportCmd.c_str()), 0) << exportCmd;
    }
    if (!fs::exists(images)) writeIdx(images, 600, 64);
    fs::remove(project);
    const fs::path log = kDir / "sigint.log";
    fs::remove(log);  // a log of an earlier run would be read before the new process truncates it
    const pid_t pid = spawn(craftArgs(project, model, images, 600), log);
    const auto readLog = [&] {
        std::ifstream in(log);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (readLog().find("loading the model") == std::string::npos && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    ASSERT_NE(readLog().find("loading the model"), std::string::npos) << readLog();
    ASSERT_EQ(kill(pid, SIGINT), 0);
    EXPECT_EQ(waitExit(pid), 130) << readLog();

    const std::string output = readLog();
    // The project is created when the job starts; a signal that came before has left none.
    const auto runs = fs::exists(project) ? cs::store::ProjectStore::open(project.string(), true)->runs() : std::vector<cs::store::RunRecord>{};
    if (output.find("cancelled before the run started") != std::string::npos) {
        EXPECT_TRUE(runs.empty()) << "a run was stored although the process said none had started";
    } else {
        ASSERT_EQ(runs.size(), 1u) << output;
        EXPECT_EQ(runs.front().status, cs::store::RunStatus::Cancelled) << output;
    }
    for (const auto& entry : fs::directory_iterator(kDir))
        EXPECT_EQ(entry.path().filename().string().find(".part"), std::string::npos) << entry.path();
    std::printf("SIGINT during loading: %s\n",
                output.find("cancelled before the run started") != std::string::npos ? "ended before the run started" : "run cancelled");
}
