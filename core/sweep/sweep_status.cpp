#include "sweep/sweep_status.h"

#include "common/error.h"
#include "sweep/child_process.h"

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace cs::sweep {

namespace {

constexpr size_t kLogTailLines = 20;

// Slurm's view of the array tasks of these jobs: "123_4" -> "PENDING" | "RUNNING" | ... Tasks that
// left the queue are absent.
std::map<std::string, std::string> queuedTasks(const std::set<std::string>& jobIds) {
    std::map<std::string, std::string> tasks;
    if (jobIds.empty()) return tasks;
    std::string list;
    for (const auto& id : jobIds) list += (list.empty() ? "" : ",") + id;
    const CommandOutput squeue = runCommand({"squeue", "--noheader", "--array", "--jobs=" + list, "--format=%i|%T"});
    if (squeue.exitCode != 0) {
        // Every job of the list has left the queue: squeue calls the ids invalid.
        if (squeue.err.find("Invalid job id") != std::string::npos) return tasks;
        throw Error("squeue", "cannot read the queue: " + (squeue.err.empty() ? squeue.out : squeue.err));
    }
    std::istringstream lines(squeue.out);
    for (std::string line; std::getline(lines, line);) {
        const auto bar = line.find('|');
        if (bar != std::string::npos) tasks[line.substr(0, bar)] = line.substr(bar + 1);
    }
    return tasks;
}

// sacct's final state of each task ("CANCELLED by 0", "TIMEOUT", ...) when accounting is kept; an
// empty map when it is not (sacct then fails, and the sweep's own records must do).
std::map<std::string, std::string> accountedTasks(const std::set<std::string>& jobIds) {
    std::map<std::string, std::string> tasks;
    if (jobIds.empty()) return tasks;
    std::string list;
    for (const auto& id : jobIds) list += (list.empty() ? "" : ",") + id;
    CommandOutput sacct;
    try {
        sacct = runCommand({"sacct", "--noheader", "--parsable2", "--allocations", "--jobs=" + list, "--format=JobID,State"});
    } catch (const Error&) {
        return tasks;
    }
    if (sacct.exitCode != 0) return tasks;
    std::istringstream lines(sacct.out);
    for (std::string line; std::getline(lines, line);) {
        const auto bar = line.find('|');
        if (bar != std::string::npos) tasks[line.substr(0, bar)] = line.substr(bar + 1);
    }
    return tasks;
}

// A task squeue still lists: pending or running; nullopt for a task that has ended (squeue keeps
// ended tasks for MinJobAge seconds) and is judged like one that left the queue.
std::optional<ShardState> stateOfQueued(const std::string& slurmState) {
    for (const char* pending : {"PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"})
        if (slurmState == pending) return ShardState::Pending;
    for (const char* running : {"RUNNING", "COMPLETING", "SUSPENDED", "STOPPED", "RESIZING", "SIGNALING", "STAGE_OUT"})
        if (slurmState == running) return ShardState::Running;
    return std::nullopt;  // COMPLETED, CANCELLED, FAILED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, PREEMPTED, ...
}

}  // namespace

std::vector<std::string> fileTail(const std::string& path, size_t lines) {
    std::ifstream in(path);
    std::deque<std::string> tail;
    for (std::string line; std::getline(in, line);) {
        tail.push_back(line);
        if (tail.size() > lines) tail.pop_front();
    }
    return {tail.begin(), tail.end()};
}

std::vector<ShardStatus> sweepStatus(const SweepFolder& folder, const SweepManifest& manifest) {
    // Each shard's latest submission.
    std::map<int64_t, Submission> latest;
    for (const auto& submission : readSubmissions(folder))
        for (int64_t index : submission.shards) latest[index] = submission;
    // Done shards first: a done record (written only once its project was seen finished) spares
    // opening the project, which matters when `sweep wait` asks every second of a 1000-shard sweep.
    std::vector<bool> finished(manifest.shards.size());
    std::vector<std::optional<ShardRecord>> records(manifest.shards.size());
    for (const ShardSpec& shard : manifest.shards) {
        const auto i = static_cast<size_t>(shard.index);
        records[i] = readShardRecord(folder, shard.index);
        std::error_code ec;
        finished[i] = (records[i] && records[i]->state == "done" && std::filesystem::exists(folder.shardProject(shard.index), ec)) ||
                      shardProjectFinished(folder, shard.index);
    }
    std::set<std::string> slurmJobs;
    for (const auto& [index, submission] : latest)
        if (submission.executor == "slurm" && !finished[static_cast<size_t>(index)]) slurmJobs.insert(submission.jobId);
    const auto queued = queuedTasks(slurmJobs);
    std::map<std::string, std::string> accounted;
    bool accountingRead = false;

    std::vector<ShardStatus> out;
    for (const ShardSpec& shard : manifest.shards) {
        ShardStatus s;
        s.index = shard.index;
        s.name = shard.name;
        s.log = folder.shardLog(shard.index);
        const auto submission = latest.find(shard.index);
        s.submitted = submission != latest.end();
        if (s.submitted) {
            s.executor = submission->second.executor;
            s.jobId = s.executor == "slurm" ? submission->second.jobId + "_" + std::to_string(shard.index) : submission->second.jobId;
        }
        const auto& record = records[static_cast<size_t>(shard.index)];
        // A record left by an earlier submission says nothing about this one.
        const bool recordIsCurrent = record && s.submitted && record->jobId == s.jobId;
        if (finished[static_cast<size_t>(shard.index)]) {
            s.state = ShardState::Done;
        } else if (!s.submitted) {
            s.state = ShardState::Pending;
        } else if (s.executor == "slurm") {
            const auto task = queued.find(s.jobId);
            const auto inQueue = task != queued.end() ? stateOfQueued(task->second) : std::nullopt;
            if (inQueue) {
                s.state = *inQueue;
            } else {
                s.state = ShardState::Failed;
                if (!accountingRead) {
                    accounted = accountedTasks(slurmJobs);
                    accountingRead = true;
                }
                const auto account = accounted.find(s.jobId);
                const std::string slurmState = account != accounted.end() ? account->second : task != queued.end() ? task->second : "";
                const std::string slurmSays = slurmState.empty() ? "" : " (Slurm: " + slurmState + ")";
                if (recordIsCurrent && record->state == "failed")
                    s.reason = "the run ended with exit code " + std::to_string(record->exitCode) + slurmSays;
                else if (recordIsCurrent)
                    s.reason = "the job left Slurm's queue while the shard was running: cancelled, timed out or killed" + slurmSays;
                else
                    s.reason = "the job left Slurm's queue before the shard started" + slurmSays;
            }
        } else {  // local
            if (recordIsCurrent && record->state == "running" && record->host == hostName() &&
                processAlive(static_cast<pid_t>(record->pid))) {
                s.state = ShardState::Running;
            } else if (recordIsCurrent && record->state == "running" && record->host != hostName()) {
                s.state = ShardState::Running;  // another machine's process: cannot tell, assume alive
            } else if (recordIsCurrent) {
                s.state = ShardState::Failed;
                s.reason = record->state == "failed" ? "the run ended with exit code " + std::to_string(record->exitCode)
                                                     : "the shard's process ended without recording its end (killed?)";
            } else {
                const std::string runner = submission->second.jobId.substr(submission->second.jobId.find('-') + 1);
                const bool runnerAlive = submission->second.jobId.rfind("local-", 0) == 0 && processAlive(std::stoi(runner));
                s.state = runnerAlive ? ShardState::Pending : ShardState::Failed;
                if (!runnerAlive) s.reason = "the local sweep stopped before this shard started";
            }
        }
        if (s.state == ShardState::Failed) {
            s.logTail = fileTail(s.log, kLogTailLines);
            if (s.logTail.empty() && s.executor == "slurm") s.logTail = fileTail(folder.slurmOutput(submission->second.jobId, shard.index), kLogTailLines);
        }
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace cs::sweep
