#pragma once
// SweepJob: many runs as one sweep (docs/cluster.md), started from the New Run dialog and followed
// as one job. `sweep plan` writes the sweep folder beside the project, `sweep run` runs the shards
// on this computer's cores or submits them to Slurm, the shards' states are read from the folder
// (and squeue) at most once a second, and once no shard is pending or running the finished ones
// are merged into the project with `sweep merge`: the runs then appear in the explorer, grouped
// as the sweep. The work is in child processes or on the cluster, so the job runs on a thread of
// its own (JobLane::OwnThread) and runs started meanwhile do not wait for it.
#include "jobs/job.h"
#include "services/run_launch.h"
#include "sweep/sweep_manifest.h"
#include "sweep/sweep_status.h"

#include <QElapsedTimer>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace cs::ui {

// The folder a new sweep of `spec` is planned in, beside the project:
// "<project folder>/<project name>.sweeps/<craft|recsae>-<UTC time>".
QString newSweepFolder(const RunSpec& spec);
// `sweep plan --out DIR craft|recsae ...`: the run's own arguments with its class list or grid.
QStringList sweepPlanArguments(const RunSpec& spec, const QString& dir);
// `sweep run DIR --executor local|slurm ...`.
QStringList sweepRunArguments(const SweepSpec& sweep, const QString& dir);

// A sweep's shards by state: what the job monitor's row says.
struct ShardCounts {
    int pending = 0, running = 0, done = 0, failed = 0;
    explicit ShardCounts(const std::vector<sweep::ShardStatus>& shards = {});
    int total() const { return pending + running + done + failed; }
    bool settled() const { return pending == 0 && running == 0; }
    QString text() const;  // "3 of 8 shards done · 2 running · 3 pending"
};

class SweepJob : public jobs::Job {
public:
    SweepJob(QString cliPath, RunSpec spec, QString folder);
    std::string name() const override;
    void run(jobs::JobContext& context) override;
    const QString& folder() const { return folder_; }

private:
    void runOnSlurm(jobs::JobContext& context);
    void cancelOnSlurm();
    // Reads the shards' states and reports them; at most once a second unless `now`.
    ShardCounts poll(jobs::JobContext& context, bool now = false);
    void mergeFinishedShards(jobs::JobContext& context);
    // Names the failed shards of the last poll.
    [[noreturn]] void failWithFailedShards();

    QString cli_;
    RunSpec spec_;
    QString folder_;
    std::optional<sweep::SweepManifest> manifest_;  // read once, after `sweep plan` wrote it
    std::vector<sweep::ShardStatus> shards_;         // as the last poll found them
    QElapsedTimer sincePoll_;                         // since the last poll
};

}  // namespace cs::ui
