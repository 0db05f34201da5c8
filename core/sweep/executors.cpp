#include "sweep/executors.h"

#include "common/error.h"
#include "common/output_file.h"
#include "sweep/child_process.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

namespace cs::sweep {

namespace fs = std::filesystem;

int64_t runLocally(const SweepFolder& folder, const std::vector<int64_t>& shards, const LocalExecutorOptions& options,
                   const std::function<void(int64_t, ShardState, double)>& onEnd) {
    const int jobs = std::max(1, options.jobs);
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const int threads = options.threads > 0 ? options.threads : std::max(1, static_cast<int>(cores) / jobs);
    const std::string jobId = "local-" + std::to_string(getpid());
    const std::string executable = currentExecutable();
    std::error_code ec;
    fs::create_directories(folder.dir() + "/logs", ec);

    using Clock = std::chrono::steady_clock;
    std::map<pid_t, std::pair<int64_t, Clock::time_point>> running;
    size_t next = 0;
    int64_t failed = 0;
    while (next < shards.size() || !running.empty()) {
        while (next < shards.size() && static_cast<int>(running.size()) < jobs) {
            const int64_t index = shards[next++];
            SpawnOptions spawn;
            spawn.outputPath = folder.shardLog(index);
            const pid_t pid = spawnProcess({executable, "sweep", "exec", folder.dir(), "--shard", std::to_string(index), "--threads",
                                            std::to_string(threads), "--job-id", jobId},
                                           spawn);
            running[pid] = {index, Clock::now()};
        }
        int status = 0;
        const pid_t ended = waitpid(-1, &status, 0);
        if (ended < 0) {
            if (errno == EINTR) continue;
            throw Error(folder.dir(), "lost track of the shards' processes");
        }
        const auto it = running.find(ended);
        if (it == running.end()) continue;  // not a shard of ours
        const auto [index, started] = it->second;
        running.erase(it);
        const bool done = exitCodeOf(status) == 0 && shardProjectFinished(folder, index);
        if (!done) ++failed;
        if (onEnd) onEnd(index, done ? ShardState::Done : ShardState::Failed, std::chrono::duration<double>(Clock::now() - started).count());
    }
    return failed;
}

std::string slurmArraySpec(std::vector<int64_t> shards, int maxRunning) {
    std::sort(shards.begin(), shards.end());
    shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
    std::string spec;
    for (size_t i = 0; i < shards.size();) {
        size_t j = i;
        while (j + 1 < shards.size() && shards[j + 1] == shards[j] + 1) ++j;
        if (!spec.empty()) spec += ",";
        spec += std::to_string(shards[i]);
        if (j > i) spec += "-" + std::to_string(shards[j]);
        i = j + 1;
    }
    if (maxRunning > 0) spec += "%" + std::to_string(maxRunning);
    return spec;
}

std::string shellQuoted(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

namespace {

// A value that goes into an #SBATCH line: sbatch reads those lines itself, so a line break would
// start a new directive.
std::string directiveValue(const std::string& option, const std::string& value) {
    for (char c : value)
        if (c == '\n' || c == '\r' || c == '\0')
            throw UsageError(option + ": the value must not contain line breaks");
    return value;
}

}  // namespace

std::string slurmScript(const SweepFolder& folder, const std::vector<int64_t>& shards, const SlurmOptions& o,
                        const std::string& executable) {
    std::ostringstream s;
    s << "#!/bin/bash\n"
      << "# A ConceptStudio sweep: one array task per shard; the shard's arguments are read from\n"
      << "# " << directiveValue("sweep folder", folder.manifestPath()) << " by `sweep exec`.\n"
      << "#SBATCH --job-name=" << directiveValue("--job-name", o.jobName) << "\n"
      << "#SBATCH --array=" << slurmArraySpec(shards, o.maxRunning) << "\n"
      << "#SBATCH --output=logs/slurm-%A_%a.out\n"  // relative to the sweep folder, where sbatch runs
      << "#SBATCH --ntasks=1\n";
    if (!o.partition.empty()) s << "#SBATCH --partition=" << directiveValue("--partition", o.partition) << "\n";
    if (!o.time.empty()) s << "#SBATCH --time=" << directiveValue("--time", o.time) << "\n";
    if (o.cpusPerTask > 0) s << "#SBATCH --cpus-per-task=" << o.cpusPerTask << "\n";
    if (!o.mem.empty()) s << "#SBATCH --mem=" << directiveValue("--mem", o.mem) << "\n";
    if (!o.account.empty()) s << "#SBATCH --account=" << directiveValue("--account", o.account) << "\n";
    for (const auto& argument : o.sbatchArguments) s << "#SBATCH " << directiveValue("--sbatch-arg", argument) << "\n";
    s << "exec " << shellQuoted(executable) << " sweep exec " << shellQuoted(folder.dir()) << " --shard \"$SLURM_ARRAY_TASK_ID\"\n";
    return s.str();
}

Submission submitToSlurm(const SweepFolder& folder, const std::vector<int64_t>& shards, const SlurmOptions& options) {
    if (shards.empty()) throw UsageError("no shards to submit");
    const auto previous = readSubmissions(folder);
    const int64_t number = previous.empty() ? 1 : previous.back().number + 1;
    Submission submission;
    submission.executor = "slurm";
    submission.shards = shards;
    submission.script = folder.slurmScript(number);
    std::error_code ec;
    fs::create_directories(folder.dir() + "/slurm", ec);
    fs::create_directories(folder.dir() + "/logs", ec);
    writeOutputFile(submission.script, slurmScript(folder, shards, options, currentExecutable()));
    const CommandOutput sbatch = runCommand({"sbatch", "--parsable", submission.script}, folder.dir());
    if (sbatch.exitCode != 0)
        throw Error("sbatch", "refused the sweep's job array (" + submission.script + "): " +
                                  (sbatch.err.empty() ? sbatch.out : sbatch.err));
    // --parsable prints "jobid" or "jobid;cluster".
    std::string jobId = sbatch.out.substr(0, sbatch.out.find_first_of(";\n"));
    if (jobId.empty() || jobId.find_first_not_of("0123456789") != std::string::npos)
        throw Error("sbatch", "printed no job id: " + sbatch.out);
    submission.jobId = jobId;
    submission.submittedAt = utcNow();
    submission.number = appendSubmission(folder, submission);
    return submission;
}

}  // namespace cs::sweep
