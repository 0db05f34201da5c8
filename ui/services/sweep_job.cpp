#include "services/sweep_job.h"

#include "common/error.h"
#include "services/cli_run_job.h"
#include "sweep/shard_record.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QProcess>

#include <chrono>
#include <exception>
#include <thread>

namespace cs::ui {

namespace {
constexpr qint64 kPollIntervalMs = 1000;  // Slurm asks tools not to query it more often
constexpr int kFailuresNamed = 3;         // in the job's error; `sweep status` lists them all

// Removes "--option value" pairs from a CLI argument list.
QStringList withoutOptions(QStringList arguments, const QStringList& options) {
    for (int i = 0; i + 1 < arguments.size();) {
        if (options.contains(arguments[i])) arguments.remove(i, 2);
        else ++i;
    }
    return arguments;
}

// "4,8" as the CLI's list, or the single value the run has.
QString listOr(const QString& list, qint64 single) {
    const QString trimmed = QString(list).remove(QLatin1Char(' '));
    return trimmed.isEmpty() ? QString::number(single) : trimmed;
}

QString sweepKind(const RunSpec& spec) { return spec.kind == RunSpec::Kind::Craft ? QStringLiteral("craft") : QStringLiteral("recsae"); }
}  // namespace

ShardCounts::ShardCounts(const std::vector<sweep::ShardStatus>& shards) {
    for (const auto& shard : shards) {
        switch (shard.state) {
        case sweep::ShardState::Pending: ++pending; break;
        case sweep::ShardState::Running: ++running; break;
        case sweep::ShardState::Done: ++done; break;
        case sweep::ShardState::Failed: ++failed; break;
        }
    }
}

QString ShardCounts::text() const {
    QString text = QObject::tr("%1 of %2 shards done").arg(done).arg(total());
    if (running > 0) text += QObject::tr(" · %1 running").arg(running);
    if (pending > 0) text += QObject::tr(" · %1 pending").arg(pending);
    if (failed > 0) text += QObject::tr(" · %1 failed").arg(failed);
    return text;
}

QString newSweepFolder(const RunSpec& spec) {
    const QFileInfo project(spec.projectPath());
    const QString stamp = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz"));
    return QDir(project.absolutePath()).filePath(project.completeBaseName() + QStringLiteral(".sweeps/") + sweepKind(spec) +
                                                 QLatin1Char('-') + stamp);
}

QStringList sweepPlanArguments(const RunSpec& spec, const QString& dir) {
    QStringList plan{QStringLiteral("sweep"), QStringLiteral("plan"), QStringLiteral("--out"), dir};
    // The run's own arguments (the command first), less what the sweep sets per shard.
    if (spec.kind == RunSpec::Kind::Craft) {
        plan << withoutOptions(cliArguments(spec), {QStringLiteral("--project"), QStringLiteral("--class"), QStringLiteral("--json")});
        plan << QStringLiteral("--classes") << QString::fromStdString(spec.craft.classSpec);
        return plan;
    }
    const auto& sae = spec.recsae.sae;
    plan << withoutOptions(cliArguments(spec), {QStringLiteral("--project"), QStringLiteral("--expansion"), QStringLiteral("--k"),
                                                QStringLiteral("--seed"), QStringLiteral("--json")});
    plan << QStringLiteral("--expansions") << listOr(spec.sweep.expansions, sae.expansion) << QStringLiteral("--k")
         << listOr(spec.sweep.ks, sae.k) << QStringLiteral("--seeds") << listOr(spec.sweep.seeds, qint64(sae.seed));
    return plan;
}

QStringList sweepRunArguments(const SweepSpec& sweep, const QString& dir) {
    QStringList run{QStringLiteral("sweep"), QStringLiteral("run"), dir, QStringLiteral("--executor")};
    if (sweep.executor == SweepSpec::Executor::Local) {
        run << QStringLiteral("local") << QStringLiteral("-j") << QString::number(std::max(1, sweep.parallel));
        return run;
    }
    run << QStringLiteral("slurm");
    if (sweep.parallel > 0) run << QStringLiteral("-j") << QString::number(sweep.parallel);
    const auto option = [&run](const char* name, const QString& value) {
        if (!value.trimmed().isEmpty()) run << QString::fromLatin1(name) << value.trimmed();
    };
    option("--partition", sweep.partition);
    option("--time", sweep.time);
    option("--mem", sweep.mem);
    option("--account", sweep.account);
    if (sweep.cpusPerTask > 0) run << QStringLiteral("--cpus-per-task") << QString::number(sweep.cpusPerTask);
    return run;
}

SweepJob::SweepJob(QString cliPath, RunSpec spec, QString folder)
    : cli_(std::move(cliPath)), spec_(std::move(spec)), folder_(std::move(folder)) {}

std::string SweepJob::name() const {
    const QString where = spec_.sweep.executor == SweepSpec::Executor::Slurm ? QObject::tr("on Slurm") : QObject::tr("here");
    return QObject::tr("Sweep: %1, %2").arg(spec_.displayName(), where).toStdString();
}

void SweepJob::run(jobs::JobContext& context) {
    context.report("planning", 0.0, folder_.toStdString());
    QDir().mkpath(QFileInfo(folder_).absolutePath());
    runCli(cli_, sweepPlanArguments(spec_, folder_), context);
    manifest_ = sweep::readManifest(sweep::SweepFolder(folder_.toStdString()));
    poll(context, true);
    if (spec_.sweep.executor == SweepSpec::Executor::Slurm) {
        runOnSlurm(context);
    } else {
        CliRunOptions options;
        options.ownProcessGroup = true;  // a cancel stops the shards too
        options.whileRunning = [this, &context] {
            try {
                poll(context);
            } catch (const std::exception&) {
                // A state file caught mid-write: the next poll reads it.
            }
        };
        try {
            runCli(cli_, sweepRunArguments(spec_.sweep, folder_), context, options);
        } catch (const Error&) {
            // `sweep run` also fails when a shard failed: then the shards say which, and the
            // others are merged. When shards are left unrun, its own message is the answer.
            if (!poll(context, true).settled()) throw;
        }
    }
    const ShardCounts counts = poll(context, true);
    if (counts.done > 0) mergeFinishedShards(context);
    if (counts.failed > 0) failWithFailedShards();
}

void SweepJob::runOnSlurm(jobs::JobContext& context) {
    runCli(cli_, sweepRunArguments(spec_.sweep, folder_), context);  // returns once sbatch has the array
    while (!poll(context).settled()) {
        if (context.cancelled()) {
            cancelOnSlurm();
            throw Cancelled();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

// scancel of the sweep's job arrays: Slurm stops their tasks (and `sweep exec` the runs in them).
void SweepJob::cancelOnSlurm() {
    const sweep::SweepFolder folder(folder_.toStdString());
    QStringList jobIds;
    for (const auto& submission : sweep::readSubmissions(folder))
        if (submission.executor == "slurm" && !submission.jobId.empty()) jobIds << QString::fromStdString(submission.jobId);
    if (jobIds.isEmpty()) return;
    QProcess scancel;
    scancel.start(QStringLiteral("scancel"), jobIds);
    scancel.waitForFinished(10000);
}

ShardCounts SweepJob::poll(jobs::JobContext& context, bool now) {
    if (!now && sincePoll_.isValid() && sincePoll_.elapsed() < kPollIntervalMs) return ShardCounts(shards_);
    sincePoll_.start();
    shards_ = sweep::sweepStatus(sweep::SweepFolder(folder_.toStdString()), *manifest_);
    const ShardCounts counts(shards_);
    const double fraction = counts.total() > 0 ? double(counts.done + counts.failed) / counts.total() : 0.0;
    context.report("shards", 0.95 * fraction, counts.text().toStdString());  // the merge is the last 5 %
    return counts;
}

void SweepJob::mergeFinishedShards(jobs::JobContext& context) {
    context.report("merging", 0.95, ShardCounts(shards_).text().toStdString());
    runCli(cli_,
           {QStringLiteral("sweep"), QStringLiteral("merge"), folder_, QStringLiteral("--into"), spec_.projectPath(),
            QStringLiteral("--partial")},
           context);
}

void SweepJob::failWithFailedShards() {
    const ShardCounts counts(shards_);
    QStringList failures;
    int failed = 0;
    for (const auto& shard : shards_) {
        if (shard.state != sweep::ShardState::Failed) continue;
        if (failed++ < kFailuresNamed) {
            QString line = QStringLiteral("%1: %2").arg(QString::fromStdString(shard.name), QString::fromStdString(shard.reason));
            if (!shard.logTail.empty()) line += QStringLiteral(" (%1)").arg(QString::fromStdString(shard.logTail.back()));
            failures << line;
        }
    }
    QString problem = QObject::tr("%1 of %2 shards failed; the %3 finished ones are merged into the project.\n%4")
                          .arg(failed)
                          .arg(counts.total())
                          .arg(counts.done)
                          .arg(failures.join(QLatin1Char('\n')));
    if (failed > kFailuresNamed) problem += QObject::tr("\n… `concept-studio-cli sweep status %1` lists them all.").arg(folder_);
    problem += QObject::tr("\n`concept-studio-cli %1 --resume` runs them again.").arg(sweepRunArguments(spec_.sweep, folder_).join(QLatin1Char(' ')));
    throw Error(folder_.toStdString(), problem.toStdString());
}

}  // namespace cs::ui
