#pragma once
// A sweep (docs/cluster.md): many runs of the existing CLI jobs, one shard each, described by a
// manifest that `sweep plan` writes and everything else reads. A shard is one ordinary
// concept-studio-cli invocation (its argument list is in the manifest, never a shell string) that
// writes its own shard project: SQLite is not safe for many writers over a network filesystem.
//
// The sweep folder:
//   manifest.json           the shards: arguments, model and data sha256, seed
//   shards/shard-NNNN.cstudio  each shard's project (the arguments name it relative to the folder,
//                           and shards run with the sweep folder as working directory, so the
//                           folder can move to another mount point)
//   logs/shard-NNNN.log     each shard's output; logs/slurm-JOB_TASK.out Slurm's own
//   state/shard-NNNN.json   what `sweep exec` recorded: running (pid, host), done or failed (exit code)
//   submissions.json        each `sweep run`: executor, job id, shards; slurm/submit-N.sh its script
#include <cstdint>
#include <string>
#include <vector>

namespace cs::sweep {

struct ShardSpec {
    int64_t index = 0;
    std::string name;                    // what the shard is, e.g. "class 3" or "expansion 8, k 16, seed 1"
    std::string project;                 // relative to the sweep folder
    std::vector<std::string> arguments;  // concept-studio-cli arguments, starting with the command
    std::string model, modelSha256;
    std::string data, dataSha256;        // dataSha256 empty for a folder (not hashed: it may hold millions of files)
    uint64_t seed = 0;
};

struct SweepManifest {
    std::string kind;  // craft | recsae
    std::string uuid;  // set by writeManifest; identifies the sweep in the projects it is merged into
    std::string createdAt;
    std::vector<ShardSpec> shards;
    // Distinct model sha256 of the shards: what a merge accepts.
    std::vector<std::string> modelSha256() const;
};

// The files of one sweep folder.
class SweepFolder {
public:
    explicit SweepFolder(std::string dir);
    const std::string& dir() const { return dir_; }  // absolute, normalised, without a trailing /
    std::string manifestPath() const;
    std::string submissionsPath() const;
    std::string shardStem(int64_t index) const;  // "shard-0007"
    std::string shardProjectRelative(int64_t index) const;
    std::string shardProject(int64_t index) const;  // absolute
    std::string shardLog(int64_t index) const;
    std::string shardState(int64_t index) const;
    std::string slurmScript(int64_t submission) const;
    std::string slurmOutput(const std::string& jobId, int64_t index) const;

private:
    std::string dir_;
};

// Writes DIR/manifest.json, creating DIR; refuses a folder that already holds a manifest. A
// manifest without a uuid gets a new one.
void writeManifest(const SweepFolder& folder, const SweepManifest& manifest);
// Throws cs::Error naming the manifest when it is missing or not a sweep manifest.
SweepManifest readManifest(const SweepFolder& folder);

// ISO-8601 UTC now, as the store writes times.
std::string utcNow();

}  // namespace cs::sweep
