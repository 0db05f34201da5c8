#include "sweep/shard_exec.h"

#include "common/error.h"
#include "sweep/child_process.h"
#include "sweep/shard_record.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace cs::sweep {

namespace fs = std::filesystem;

namespace {

volatile sig_atomic_t runningChild = 0;

void forwardSignal(int signal) {
    if (runningChild > 0) kill(static_cast<pid_t>(runningChild), signal);
}

void forwardStopSignals() {
    struct sigaction action {};
    action.sa_handler = forwardSignal;
    sigemptyset(&action.sa_mask);
    for (int signal : {SIGTERM, SIGINT, SIGHUP}) sigaction(signal, &action, nullptr);
}

std::string environment(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

std::string jobIdFromEnvironment() {
    const std::string job = environment("SLURM_ARRAY_JOB_ID"), task = environment("SLURM_ARRAY_TASK_ID");
    if (!job.empty() && !task.empty()) return job + "_" + task;
    return environment("SLURM_JOB_ID");
}

void removeProject(const std::string& path) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path + suffix, ec);
}

}  // namespace

int executeShard(const SweepFolder& folder, int64_t index, const ShardExecOptions& options) {
    const SweepManifest manifest = readManifest(folder);
    if (index < 0 || index >= static_cast<int64_t>(manifest.shards.size()))
        throw UsageError("--shard " + std::to_string(index) + ": the sweep has shards 0 to " + std::to_string(manifest.shards.size() - 1));
    const ShardSpec& shard = manifest.shards[static_cast<size_t>(index)];

    ShardRecord record;
    record.host = hostName();
    record.pid = getpid();
    record.jobId = options.jobId.empty() ? jobIdFromEnvironment() : options.jobId;
    record.startedAt = utcNow();
    if (shardProjectFinished(folder, index)) {
        record.state = "done";
        record.finishedAt = record.startedAt;
        writeShardRecord(folder, index, record);
        return 0;
    }
    removeProject(folder.shardProject(index));
    std::error_code ec;
    for (const auto& dir : {folder.dir() + "/shards", folder.dir() + "/logs"}) fs::create_directories(dir, ec);
    record.state = "running";
    writeShardRecord(folder, index, record);

    std::ofstream(folder.shardLog(index), std::ios::app)
        << "== shard " << index << " (" << shard.name << ") on " << record.host << " at " << record.startedAt
        << (record.jobId.empty() ? "" : ", job " + record.jobId) << "\n";
    std::vector<std::string> argv{currentExecutable()};
    argv.insert(argv.end(), shard.arguments.begin(), shard.arguments.end());
    SpawnOptions spawn;
    spawn.workingDirectory = folder.dir();
    spawn.outputPath = folder.shardLog(index);
    // Under Slurm the run gets the CPUs of its allocation, not every core of the node.
    std::string threads = options.threads > 0 ? std::to_string(options.threads) : environment("SLURM_CPUS_PER_TASK");
    if (threads.empty()) threads = environment("SLURM_CPUS_ON_NODE");
    if (!threads.empty()) spawn.environment.emplace_back("CS_THREADS", threads);

    forwardStopSignals();
    const pid_t child = spawnProcess(argv, spawn);
    runningChild = child;
    const int exitCode = waitForProcess(child);
    runningChild = 0;

    record.exitCode = exitCode;
    record.finishedAt = utcNow();
    record.state = exitCode == 0 && shardProjectFinished(folder, index) ? "done" : "failed";
    writeShardRecord(folder, index, record);
    std::ofstream(folder.shardLog(index), std::ios::app) << "== shard " << index << " " << record.state << " (exit code " << exitCode << ") at "
                                                         << record.finishedAt << "\n";
    return record.state == "done" ? 0 : (exitCode == 0 ? 1 : exitCode);
}

}  // namespace cs::sweep
