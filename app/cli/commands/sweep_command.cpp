// concept-studio-cli sweep plan|run|status|wait|merge|exec: many runs of the existing jobs as shards,
// run here or on a Slurm cluster, merged back into one project (docs/cluster.md, docs/cli.md).
//   sweep plan --out DIR craft  [craft options without --project/--class] --classes 0-9|@file|all
//   sweep plan --out DIR recsae [recsae options] --model M... [--expansions 4,8] [--k 16,32] [--seeds 1,2]
//   sweep run DIR --executor local|slurm [-j N] [--threads T] [--partition P --time T --cpus-per-task C
//       --mem M --account A --sbatch-arg X...] [--resume]
//   sweep status DIR [--json]      sweep wait DIR [--timeout S]      sweep merge DIR --into P [--partial]
//   sweep exec DIR --shard I       (what the executors run for one shard)
// The shards' options are parsed by the craft and recsae commands' own parsers and written back with
// their toCliArguments, so a shard is exactly an ordinary craft or recsae invocation.
#include "cli_support.h"
#include "command.h"
#include "commands/craft_options.h"
#include "commands/recsae_options.h"

#include "common/error.h"
#include "craft/craft_spec.h"
#include "model/model_adapter.h"
#include "model/model_loader.h"
#include "sae/recsae_spec.h"
#include "sweep/class_list.h"
#include "sweep/executors.h"
#include "sweep/project_merge.h"
#include "sweep/shard_exec.h"
#include "sweep/shard_record.h"
#include "sweep/sweep_status.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <map>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

namespace cs::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string absolutePath(const std::string& path) { return path.empty() ? path : fs::absolute(path).lexically_normal().string(); }

std::vector<std::string> absolutePaths(std::vector<std::string> paths) {
    for (auto& p : paths) p = absolutePath(p);
    return paths;
}

// The sha256 of a data file; a folder (an image tree) is not hashed: it may hold millions of files.
std::string dataSha256(const std::string& path) {
    std::error_code ec;
    return fs::is_regular_file(path, ec) ? model::sha256File(path) : std::string();
}

void removeOption(CLI::App& app, const std::string& name) { app.remove_option(app.get_option(name)); }

class SweepCommand final : public Command {
public:
    std::string name() const override { return "sweep"; }
    std::string description() const override {
        return "Plan, run (here or on a Slurm cluster), follow and merge sweeps of craft or recsae runs";
    }

    void setup(CLI::App& sub) override {
        sub.require_subcommand(1);
        setupPlan(sub);
        setupRun(sub);
        status_ = sub.add_subcommand("status", "Each shard's state: pending, running, done or failed (with its log's tail)");
        status_->add_option("dir", dir_, "Sweep folder")->required();
        status_->add_flag("--json", statusJson_, "Print the status as JSON");
        wait_ = sub.add_subcommand("wait", "Wait until no shard is pending or running; exit 0 when all are done, 1 when any failed");
        wait_->add_option("dir", dir_, "Sweep folder")->required();
        wait_->add_option("--timeout", timeoutSeconds_, "Give up after S seconds (exit 124)")->check(CLI::Range(0.0, 1e9));
        merge_ = sub.add_subcommand("merge", "Merge the sweep's finished shard projects into one project");
        merge_->add_option("dir", dir_, "Sweep folder")->required();
        merge_->add_option("--into", mergeInto_, "Project to merge into (.cstudio), created if missing")->required();
        merge_->add_flag("--partial", mergePartial_, "Merge the finished shards even when others are not done");
        exec_ = sub.add_subcommand("exec", "Run one shard of a sweep (what the executors run)");
        exec_->add_option("dir", dir_, "Sweep folder")->required();
        exec_->add_option("--shard", shard_, "Shard index")->required()->check(CLI::Range(int64_t{0}, int64_t{100000000}));
        exec_->add_option("--threads", execOptions_.threads, "LibTorch threads for the run (default: $SLURM_CPUS_PER_TASK, else all cores)")
            ->check(CLI::Range(1, 4096));
        exec_->add_option("--job-id", execOptions_.jobId, "Job id to record (default: Slurm's)");
    }

    int run() override {
        if (plan_->parsed()) return planSweep();
        if (run_->parsed()) return runSweep();
        if (status_->parsed()) return showStatus();
        if (wait_->parsed()) return waitForSweep();
        if (merge_->parsed()) return mergeSweep();
        return sweep::executeShard(sweep::SweepFolder(dir_), shard_, execOptions_);
    }

private:
    void setupPlan(CLI::App& sub) {
        plan_ = sub.add_subcommand("plan", "Write a sweep folder: a manifest of shards, one CLI run each");
        plan_->add_option("--out", dir_, "Sweep folder to create")->required();
        plan_->require_subcommand(1);

        planCraft_ = plan_->add_subcommand("craft", "One CRAFT run per class (every craft option applies to each)");
        craftLine_.addOptions(*planCraft_);
        for (const char* option : {"--project", "--class", "--json"}) removeOption(*planCraft_, option);
        planCraft_->add_option("--classes", classes_, "Classes: 0-999, 0,3,7-9, names, @file (one per line) or all")->required();

        planRecSae_ = plan_->add_subcommand("recsae", "One RecSAE run per point of the grid models x expansions x k x seeds");
        recSaeLine_.addOptions(*planRecSae_);
        for (const char* option : {"--project", "--model", "--expansion", "--latents", "--k", "--seed", "--json"}) removeOption(*planRecSae_, option);
        planRecSae_->add_option("--model", recSaeModels_, "Sequential recommender(s) (repeatable)")->required();
        planRecSae_->add_option("--expansions", expansions_, "Latents per state dimension, e.g. 4,8 (default: recsae's)")
            ->delimiter(',')
            ->check(CLI::Range(int64_t{1}, int64_t{256}));
        planRecSae_->add_option("--latents", latents_, "Numbers of latents, e.g. 512,2048 (instead of --expansions)")
            ->delimiter(',')
            ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
            ->excludes("--expansions");
        planRecSae_->add_option("--k", ks_, "Active latents per state, e.g. 16,32 (default: recsae's)")
            ->delimiter(',')
            ->check(CLI::Range(int64_t{1}, int64_t{4096}));
        planRecSae_->add_option("--seeds", seeds_, "Seeds, e.g. 1,2 (default: recsae's)")->delimiter(',');
    }

    void setupRun(CLI::App& sub) {
        run_ = sub.add_subcommand("run", "Run the sweep's shards here (local) or submit them to Slurm (slurm)");
        run_->add_option("dir", dir_, "Sweep folder")->required();
        run_->add_option("--executor", executor_, "local: child processes here; slurm: one sbatch job array")
            ->required()
            ->check(CLI::IsMember({"local", "slurm"}));
        run_->add_option("-j,--jobs", jobs_, "At most N shards at once (local default 1; Slurm: the array's %N, default no limit)")
            ->check(CLI::Range(1, 100000));
        run_->add_option("--threads", localOptions_.threads, "local: LibTorch threads per shard (default: cores / N)")->check(CLI::Range(1, 4096));
        run_->add_flag("--resume", resume_, "Run only the shards that are not done, pending or running");
        run_->add_option("--partition", slurm_.partition, "Slurm partition");
        run_->add_option("--time", slurm_.time, "Slurm time limit per shard, e.g. 02:00:00");
        run_->add_option("--cpus-per-task", slurm_.cpusPerTask, "CPUs per shard (also its LibTorch threads)")->check(CLI::Range(1, 4096));
        run_->add_option("--mem", slurm_.mem, "Memory per shard, e.g. 8G");
        run_->add_option("--account", slurm_.account, "Slurm account");
        run_->add_option("--job-name", slurm_.jobName, "Slurm job name")->capture_default_str();
        run_->add_option("--sbatch-arg", slurm_.sbatchArguments, "Extra sbatch option, written --sbatch-arg=--qos=long (repeatable)");
    }

    // --- plan ---

    int planSweep() {
        const sweep::SweepFolder folder(dir_);
        sweep::SweepManifest manifest;
        manifest.createdAt = sweep::utcNow();
        if (planCraft_->parsed()) planCraftShards(folder, manifest);
        else planRecSaeShards(folder, manifest);
        sweep::writeManifest(folder, manifest);
        std::cout << "planned " << manifest.shards.size() << " " << manifest.kind << " shard(s) in " << folder.dir() << "\n";
        return 0;
    }

    void planCraftShards(const sweep::SweepFolder& folder, sweep::SweepManifest& manifest) {
        manifest.kind = "craft";
        craft::CraftJobSpec spec = craftLine_.spec();
        spec.modelPath = absolutePath(spec.modelPath);
        spec.imagesPath = absolutePath(spec.imagesPath);
        spec.pluginDirs = absolutePaths(spec.pluginDirs);
        int64_t classCount = -1;
        if (classes_ == "all") {  // the model says how many classes it has
            model::LoadOptions load;
            load.adapter = spec.adapter;
            load.pluginDirs = spec.pluginDirs;
            classCount = static_cast<int64_t>(model::loadVisionModel(spec.modelPath, load)->info().classNames.size());
        }
        const auto classes = sweep::parseClassList(classes_, classCount);
        const std::string modelSha = model::sha256File(spec.modelPath), dataSha = dataSha256(spec.imagesPath);
        for (const std::string& cls : classes) {
            sweep::ShardSpec shard;
            shard.index = static_cast<int64_t>(manifest.shards.size());
            shard.name = "class " + cls;
            shard.project = folder.shardProjectRelative(shard.index);
            spec.projectPath = shard.project;
            spec.classSpec = cls;
            shard.arguments = craft::toCliArguments(spec);
            shard.model = spec.modelPath;
            shard.modelSha256 = modelSha;
            shard.data = spec.imagesPath;
            shard.dataSha256 = dataSha;
            shard.seed = spec.options.seed;
            manifest.shards.push_back(std::move(shard));
        }
    }

    void planRecSaeShards(const sweep::SweepFolder& folder, sweep::SweepManifest& manifest) {
        manifest.kind = "recsae";
        sae::RecSaeOptions options = recSaeLine_.options();
        options.interactionsPath = absolutePath(options.interactionsPath);
        options.itemMetaPath = absolutePath(options.itemMetaPath);
        options.loader.pluginDirs = absolutePaths(options.loader.pluginDirs);
        // The SAE's size: a number of latents, or latents per state dimension.
        struct Size {
            int64_t expansion = 0, latents = 0;
            std::string name() const { return latents > 0 ? "latents " + std::to_string(latents) : "expansion " + std::to_string(expansion); }
        };
        std::vector<Size> sizes;
        for (int64_t latents : latents_) sizes.push_back({options.sae.expansion, latents});
        for (int64_t expansion : expansions_) sizes.push_back({expansion, 0});
        if (sizes.empty()) sizes.push_back({options.sae.expansion, 0});
        const auto ks = ks_.empty() ? std::vector<int64_t>{options.sae.k} : ks_;
        const auto seeds = seeds_.empty() ? std::vector<uint64_t>{options.sae.seed} : seeds_;
        const std::string dataSha = dataSha256(options.interactionsPath);
        for (const std::string& modelPath : recSaeModels_) {
            options.modelPath = absolutePath(modelPath);
            const std::string modelSha = model::sha256File(options.modelPath);
            for (const Size& size : sizes)
                for (int64_t k : ks)
                    for (uint64_t seed : seeds) {
                        sweep::ShardSpec shard;
                        shard.index = static_cast<int64_t>(manifest.shards.size());
                        shard.name = fs::path(modelPath).filename().string() + ", " + size.name() + ", k " +
                                     std::to_string(k) + ", seed " + std::to_string(seed);
                        shard.project = folder.shardProjectRelative(shard.index);
                        options.projectPath = shard.project;
                        options.sae.expansion = size.expansion;
                        options.sae.latentCount = size.latents;
                        options.sae.k = k;
                        options.sae.seed = seed;
                        shard.arguments = sae::toCliArguments(options);
                        shard.model = options.modelPath;
                        shard.modelSha256 = modelSha;
                        shard.data = options.interactionsPath;
                        shard.dataSha256 = dataSha;
                        shard.seed = seed;
                        manifest.shards.push_back(std::move(shard));
                    }
        }
    }

    // --- run ---

    int runSweep() {
        const sweep::SweepFolder folder(dir_);
        const sweep::SweepManifest manifest = sweep::readManifest(folder);
        if (!resume_ && !sweep::readSubmissions(folder).empty())
            throw UsageError(folder.dir() + " has already been run; `sweep run --resume` runs the shards that are not done");
        std::vector<int64_t> shards;
        int64_t busy = 0, done = 0;
        for (const auto& s : sweep::sweepStatus(folder, manifest)) {
            const bool waiting = s.state == sweep::ShardState::Running || (s.state == sweep::ShardState::Pending && s.submitted);
            if (s.state == sweep::ShardState::Done) ++done;
            else if (waiting) ++busy;
            else shards.push_back(s.index);
        }
        if (shards.empty()) {
            std::cout << "nothing to run: " << done << " shard(s) done, " << busy << " pending or running\n";
            return 0;
        }
        if (busy > 0) std::cout << busy << " shard(s) still pending or running are left to their job\n";
        if (executor_ == "slurm") {
            slurm_.maxRunning = jobs_;
            const auto submission = sweep::submitToSlurm(folder, shards, slurm_);
            std::cout << "submitted Slurm job " << submission.jobId << " (" << shards.size() << " shard(s), array "
                      << sweep::slurmArraySpec(shards, slurm_.maxRunning) << ") with " << submission.script << "\n";
            return 0;
        }
        sweep::Submission submission;
        submission.executor = "local";
        submission.jobId = "local-" + std::to_string(getpid());
        submission.shards = shards;
        submission.submittedAt = sweep::utcNow();
        sweep::appendSubmission(folder, submission);
        localOptions_.jobs = jobs_ > 0 ? jobs_ : 1;
        const int64_t failed = sweep::runLocally(folder, shards, localOptions_, [&](int64_t index, sweep::ShardState state, double seconds) {
            std::printf("shard %lld (%s): %s in %.1f s\n", static_cast<long long>(index), manifest.shards[static_cast<size_t>(index)].name.c_str(),
                        sweep::toString(state), seconds);
            std::fflush(stdout);
        });
        if (failed > 0) {
            std::cerr << "concept-studio-cli: " << folder.dir() << ": " << failed << " shard(s) failed; `sweep status` shows their logs\n";
            return 1;
        }
        return 0;
    }

    // --- status, wait ---

    static json statusJson(const sweep::SweepFolder& folder, const std::vector<sweep::ShardStatus>& statuses) {
        json shards = json::array();
        std::map<std::string, int64_t> counts{{"pending", 0}, {"running", 0}, {"done", 0}, {"failed", 0}};
        for (const auto& s : statuses) {
            ++counts[sweep::toString(s.state)];
            json entry{{"index", s.index},
                       {"name", s.name},
                       {"state", sweep::toString(s.state)},
                       {"job_id", s.jobId.empty() ? json(nullptr) : json(s.jobId)},
                       {"executor", s.executor.empty() ? json(nullptr) : json(s.executor)},
                       {"log", s.log}};
            if (s.state == sweep::ShardState::Failed) {
                entry["reason"] = s.reason;
                entry["log_tail"] = s.logTail;
            }
            shards.push_back(entry);
        }
        return {{"sweep", folder.dir()}, {"counts", counts}, {"shards", shards}};
    }

    int showStatus() {
        const sweep::SweepFolder folder(dir_);
        const auto statuses = sweep::sweepStatus(folder, sweep::readManifest(folder));
        const json status = statusJson(folder, statuses);
        if (statusJson_) {
            std::cout << status.dump(2) << "\n";
            return 0;
        }
        const auto& c = status["counts"];
        std::cout << folder.dir() << ": " << c["done"] << " done, " << c["running"] << " running, " << c["pending"] << " pending, "
                  << c["failed"] << " failed\n";
        for (const auto& s : statuses) {
            std::printf("  %4lld  %-8s %-14s %s\n", static_cast<long long>(s.index), sweep::toString(s.state), s.jobId.c_str(), s.name.c_str());
            if (s.state != sweep::ShardState::Failed) continue;
            std::printf("        %s; log %s\n", s.reason.c_str(), s.log.c_str());
            for (const auto& line : s.logTail) std::printf("        | %s\n", line.c_str());
        }
        return 0;
    }

    int waitForSweep() {
        const sweep::SweepFolder folder(dir_);
        const auto manifest = sweep::readManifest(folder);
        const auto start = std::chrono::steady_clock::now();
        while (true) {
            const auto statuses = sweep::sweepStatus(folder, manifest);
            int64_t busy = 0, done = 0, failed = 0, unsubmitted = 0;
            for (const auto& s : statuses) {
                if (s.state == sweep::ShardState::Done) ++done;
                else if (s.state == sweep::ShardState::Failed) ++failed;
                else if (s.state == sweep::ShardState::Running || s.submitted) ++busy;
                else ++unsubmitted;
            }
            if (busy == 0) {
                std::cout << folder.dir() << ": " << done << " done, " << failed << " failed, " << unsubmitted << " never run\n";
                return done == static_cast<int64_t>(statuses.size()) ? 0 : 1;
            }
            const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (timeoutSeconds_ >= 0 && waited >= timeoutSeconds_) {
                std::cerr << "concept-studio-cli: " << folder.dir() << ": timed out with " << busy << " shard(s) pending or running\n";
                return 124;
            }
            std::this_thread::sleep_for(std::chrono::seconds(1));  // Slurm is asked at most once a second
        }
    }

    // --- merge ---

    int mergeSweep() {
        const sweep::SweepFolder folder(dir_);
        const auto manifest = sweep::readManifest(folder);
        std::vector<std::string> shards;
        sweep::SweepMembership membership;
        int64_t unfinished = 0;
        for (const auto& shard : manifest.shards) {
            if (sweep::shardProjectFinished(folder, shard.index)) {
                shards.push_back(folder.shardProject(shard.index));
                membership.shards.emplace_back(shard.index, shard.name);
            } else {
                ++unfinished;
            }
        }
        if (unfinished > 0 && !mergePartial_)
            throw Error(folder.dir(), std::to_string(unfinished) + " of " + std::to_string(manifest.shards.size()) +
                                          " shard(s) are not done (`sweep status` says why); --partial merges the finished ones");
        if (shards.empty()) throw Error(folder.dir(), "no shard is done yet; nothing to merge");
        sweep::MergeOptions options;
        options.expectedModelSha256 = manifest.modelSha256();
        membership.sweep.uuid = manifest.uuid;
        membership.sweep.kind = manifest.kind;
        membership.sweep.name = fs::path(folder.dir()).filename().string();  // dir() is absolute, without a trailing '/'
        membership.sweep.folder = folder.dir();
        membership.sweep.createdAt = manifest.createdAt;
        options.sweep = membership;
        const auto report = sweep::mergeProjects(mergeInto_, shards, options);
        std::cout << "merged " << report.shards.size() << " shard project(s) into " << mergeInto_ << ": " << report.runsAdded()
                  << " run(s) added, " << report.runsSkipped() << " already there\n";
        return 0;
    }

    CLI::App *plan_ = nullptr, *planCraft_ = nullptr, *planRecSae_ = nullptr, *run_ = nullptr, *status_ = nullptr, *wait_ = nullptr,
             *merge_ = nullptr, *exec_ = nullptr;
    std::string dir_;
    // plan
    CraftCommandLine craftLine_;
    std::string classes_;
    RecSaeCommandLine recSaeLine_;
    std::vector<std::string> recSaeModels_;
    std::vector<int64_t> expansions_, latents_, ks_;
    std::vector<uint64_t> seeds_;
    // run
    std::string executor_;
    int jobs_ = 0;
    bool resume_ = false;
    sweep::LocalExecutorOptions localOptions_;
    sweep::SlurmOptions slurm_;
    // status, wait, merge, exec
    bool statusJson_ = false;
    double timeoutSeconds_ = -1;
    std::string mergeInto_;
    bool mergePartial_ = false;
    int64_t shard_ = 0;
    sweep::ShardExecOptions execOptions_;
};

CommandRegistrar<SweepCommand> registrar;

}  // namespace
}  // namespace cs::cli
