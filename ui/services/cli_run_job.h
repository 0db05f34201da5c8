#pragma once
// Runs as engine jobs by launching concept-studio-cli as a subprocess. The studio cannot link the
// LibTorch engines (Debian's libtorch_cpu pulls Qt 5 in through opencv_highgui, docs/architecture.md),
// and a child process also keeps an engine crash out of the window. The job runs on the
// JobMonitor's engine thread, so the run panel, cancel and the explorer refresh work as for an
// in-process job and the UI thread never waits on the child.
#include "services/run_launch.h"
#include "jobs/job.h"

#include <QString>
#include <QStringList>

#include <functional>

namespace cs::ui {

// concept-studio-cli next to this executable, in the build tree's ../cli/, or on PATH; empty if none.
QString findCliExecutable();
// What `concept-studio-cli --version` says (its version, the BLAS and threads its matrix products
// run on): the engine is that process, not the studio's. A line saying why when it cannot run.
QString engineVersionText();

// The CLI arguments (subcommand first) that start `spec`: the engines' own toCliArguments.
QStringList cliArguments(const RunSpec& spec);
// `ablate` arguments for the SAE dashboard's ablation/steering panel; the result goes to jsonOut.
QStringList cliArguments(const AblationRequest& request, const QString& jsonOut);
// `user-concept` arguments for the dashboard's "Your item concept"; the result goes to jsonOut.
QStringList cliArguments(const UserConceptRequest& request, const QString& jsonOut);

struct CliRunOptions {
    // Start the CLI in a process group of its own and send the cancel's signals to the whole group,
    // so the processes it starts (a local sweep's shards) stop with it.
    bool ownProcessGroup = false;
    // Called on the job's thread about every 100 ms while the CLI runs (a sweep polls its shards).
    std::function<void()> whileRunning;
};

// Runs `cli arguments` with CS_PROGRESS=jsonl, reports its JSON progress lines, turns cancel into
// SIGTERM, and ends as the CLI did: exit 0 done, 130 cs::Cancelled, otherwise cs::Error carrying the
// CLI's last stderr lines (which name the file and the problem).
void runCli(const QString& cli, const QStringList& arguments, jobs::JobContext& context, const CliRunOptions& options = {});

// runCli as an engine job.
class CliRunJob : public jobs::Job {
public:
    CliRunJob(QString cliPath, QStringList arguments, QString displayName);
    std::string name() const override { return displayName_.toStdString(); }
    void run(jobs::JobContext& context) override;
    const QStringList& arguments() const { return arguments_; }

private:
    QString cliPath_;
    QStringList arguments_;
    QString displayName_;
};

// A RunLauncher that starts every run through the CLI; an empty cliPath is looked up at each start.
RunLauncher makeCliRunLauncher(QString cliPath = {});
// An AblationLauncher that runs `concept-studio-cli ablate … --json TMP` as a job; the launched
// job's resultJson reads TMP (the CLI also stores the result in the project). Throws cs::Error
// when no CLI is found.
AblationLauncher makeCliAblationLauncher(QString cliPath = {});
// The same for `concept-studio-cli user-concept … --json TMP`.
UserConceptLauncher makeCliUserConceptLauncher(QString cliPath = {});

}  // namespace cs::ui
