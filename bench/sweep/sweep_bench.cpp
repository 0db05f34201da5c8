// bench_sweep: what a sweep costs and gains on this machine (docs/cluster.md, "Measured runs").
//  1. Throughput of `sweep run --executor local -j 2` against the same CRAFT shards run one after
//     another (`-j 1`, each shard with every core), measured in the same run.
//  2. Merging N one-class shard projects into one (`concept-studio-cli merge`): wall time and the
//     merge process's peak RSS, for 10 and for N shards, to show that memory stays flat.
// Usage: bench_sweep --work DIR --model M --images I --layer L [--classes 0-3] [--max-images 100]
//                    [--merge-shards 100] [--patch-size 10] [--concepts 10]
// The demo's model and images: `concept-studio-cli demo --out D --skip-recsae` writes D/models/demo-cnn.pt;
// its images are Fashion-MNIST's t10k file (/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz).
#include "sweep/child_process.h"

#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Measured {
    double seconds = 0;
    long peakRssKb = 0;
    int exitCode = 0;
};

// Runs the CLI to its end; wait4 gives the child's own peak RSS.
Measured runCli(const std::vector<std::string>& arguments, const std::string& log) {
    std::vector<std::string> argv{CS_CLI_PATH};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    cs::sweep::SpawnOptions options;
    options.outputPath = log;
    const auto start = Clock::now();
    const pid_t pid = cs::sweep::spawnProcess(argv, options);
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);
    Measured m;
    m.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    m.peakRssKb = usage.ru_maxrss;
    m.exitCode = cs::sweep::exitCodeOf(status);
    if (m.exitCode != 0) throw std::runtime_error("concept-studio-cli " + arguments[0] + " failed; see " + log);
    return m;
}

std::vector<std::string> craftShardOptions(const std::map<std::string, std::string>& a) {
    return {"--model", a.at("--model"), "--images", a.at("--images"), "--layer", a.at("--layer"), "--max-images", a.at("--max-images"),
            "--patch-size", a.at("--patch-size"), "--concepts", a.at("--concepts"), "--map-images", "4"};
}

// The same 4-class sweep run sequentially and two at a time.
void benchLocalExecutor(const fs::path& work, const std::map<std::string, std::string>& a) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    double seconds[2] = {};
    for (int jobs : {1, 2}) {
        const fs::path dir = work / ("local-j" + std::to_string(jobs));
        fs::remove_all(dir);
        std::vector<std::string> plan{"sweep", "plan", "--out", dir.string(), "craft", "--classes", a.at("--classes")};
        const auto options = craftShardOptions(a);
        plan.insert(plan.end(), options.begin(), options.end());
        runCli(plan, (work / "plan.log").string());
        const Measured run = runCli({"sweep", "run", dir.string(), "--executor", "local", "-j", std::to_string(jobs)},
                                    (work / ("run-j" + std::to_string(jobs) + ".log")).string());
        seconds[jobs - 1] = run.seconds;
        std::printf("local executor -j %d (%u LibTorch thread(s) per shard): %.1f s for classes %s\n", jobs, std::max(1u, cores / jobs),
                    run.seconds, a.at("--classes").c_str());
    }
    std::printf("throughput -j 2 / -j 1: %.2fx (on %u cores)\n", seconds[0] / seconds[1], cores);
}

void giveNewRunUuids(const fs::path& project, std::mt19937_64& random) {
    sqlite3* db = nullptr;
    if (sqlite3_open(project.c_str(), &db) != SQLITE_OK) throw std::runtime_error("cannot open " + project.string());
    char uuid[40];
    std::snprintf(uuid, sizeof uuid, "%016llx-%016llx", static_cast<unsigned long long>(random()), static_cast<unsigned long long>(random()));
    const std::string sql = std::string("UPDATE runs SET uuid = '") + uuid + "'";
    sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
}

// N copies of one one-class shard project (each with its own run uuid, as N shards would have),
// merged: 10 of them, then all N.
void benchMerge(const fs::path& work, const std::map<std::string, std::string>& a) {
    const int shards = std::stoi(a.at("--merge-shards"));
    const fs::path dir = work / "merge";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path one = dir / "one.cstudio";
    std::vector<std::string> craft{"craft", "--project", one.string(), "--class", "0"};
    const auto options = craftShardOptions(a);
    craft.insert(craft.end(), options.begin(), options.end());
    runCli(craft, (dir / "craft.log").string());
    std::mt19937_64 random(1);
    std::vector<std::string> copies;
    for (int i = 0; i < shards; ++i) {
        const fs::path copy = dir / ("shard-" + std::to_string(i) + ".cstudio");
        fs::copy_file(one, copy);
        giveNewRunUuids(copy, random);
        copies.push_back(copy.string());
    }
    std::printf("one shard project: %.1f MB\n", fs::file_size(one) / 1e6);
    for (int n : {std::min(10, shards), shards}) {
        const fs::path into = dir / ("merged-" + std::to_string(n) + ".cstudio");
        std::vector<std::string> merge{"merge", "--into", into.string()};
        merge.insert(merge.end(), copies.begin(), copies.begin() + n);
        const Measured m = runCli(merge, (dir / "merge.log").string());
        std::printf("merge %3d shard projects: %.2f s, peak RSS %.1f MB, merged project %.1f MB\n", n, m.seconds, m.peakRssKb / 1024.0,
                    fs::file_size(into) / 1e6);
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::map<std::string, std::string> a{{"--classes", "0-3"}, {"--max-images", "100"}, {"--merge-shards", "100"},
                                         {"--patch-size", "10"}, {"--concepts", "10"}};
    for (int i = 1; i + 1 < argc; i += 2) a[argv[i]] = argv[i + 1];
    for (const char* required : {"--work", "--model", "--images", "--layer"})
        if (!a.count(required)) {
            std::fprintf(stderr, "usage: bench_sweep --work DIR --model M --images I --layer L [--classes 0-3] [--max-images 100] "
                                 "[--merge-shards 100] [--patch-size 10] [--concepts 10]\n");
            return 2;
        }
    try {
        const fs::path work = fs::absolute(a["--work"]);
        fs::create_directories(work);
        benchLocalExecutor(work, a);
        benchMerge(work, a);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_sweep: %s\n", e.what());
        return 1;
    }
    return 0;
}
