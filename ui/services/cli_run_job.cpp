#include "services/cli_run_job.h"

#include "common/error.h"
#include "craft/craft_spec.h"
#include "sae/recsae_spec.h"
#include "services/sweep_job.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QTemporaryDir>

#ifdef Q_OS_UNIX
#include <sys/types.h>
#include <unistd.h>
#endif

#include <cerrno>
#include <csignal>
#include <chrono>
#include <deque>

namespace cs::ui {

namespace {
const QString kCliName = QStringLiteral("concept-studio-cli");
constexpr int kKeptStderrLines = 8;       // enough for the CLI's error and any warnings before it
constexpr int kTerminateGraceMs = 15000;  // the CLI marks the run cancelled, then exits 130
constexpr int kEngineNiceness = 5;        // added to the CLI child's nice value

bool isExecutableFile(const QString& path) {
    const QFileInfo info(path);
    return info.isFile() && info.isExecutable();
}
}  // namespace

QString findCliExecutable() {
    const QString appDir = QCoreApplication::applicationDirPath();
    for (const QString& candidate : {appDir + QLatin1Char('/') + kCliName, appDir + QStringLiteral("/../cli/") + kCliName})
        if (isExecutableFile(candidate)) return QFileInfo(candidate).canonicalFilePath();
    return QStandardPaths::findExecutable(kCliName);
}

QString engineVersionText() {
    const QString cli = findCliExecutable();
    if (cli.isEmpty()) return QObject::tr("Engine: %1 not found").arg(kCliName);
    QProcess process;
    process.start(cli, {QStringLiteral("--version")});
    if (!process.waitForFinished(10000) || process.exitCode() != 0) {
        process.kill();
        process.waitForFinished(1000);
        return QObject::tr("Engine: %1 --version did not answer").arg(cli);
    }
    return QString::fromUtf8(process.readAllStandardOutput()).trimmed();
}

QStringList cliArguments(const RunSpec& spec) {
    const std::vector<std::string> args =
        spec.kind == RunSpec::Kind::Craft ? craft::toCliArguments(spec.craft) : sae::toCliArguments(spec.recsae);
    QStringList list;
    for (const std::string& arg : args) list << QString::fromStdString(arg);
    return list;
}

QStringList cliArguments(const UserConceptRequest& r, const QString& jsonOut) {
    QStringList arguments{QStringLiteral("user-concept"), QStringLiteral("--project"), r.projectPath, QStringLiteral("--run"), QString::number(r.runId)};
    if (r.tag.isEmpty()) {
        arguments << QStringLiteral("--items") << r.itemIds.join(QLatin1Char(','));
    } else {
        arguments << QStringLiteral("--tag") << r.tag;
    }
    return arguments << QStringLiteral("--top") << QString::number(r.top) << QStringLiteral("--json") << jsonOut;
}

QStringList cliArguments(const AblationRequest& r, const QString& jsonOut) {
    return {QStringLiteral("ablate"), QStringLiteral("--project"), r.projectPath, QStringLiteral("--run"), QString::number(r.runId),
            QStringLiteral("--latent"), QString::number(r.latent), QStringLiteral("--scale"), QString::number(r.scale, 'g', 10),
            QStringLiteral("--top-n"), QString::number(r.topN), QStringLiteral("--json"), jsonOut};
}

namespace {

// The CLI's stderr, line by line: JSON progress lines become the job's progress; the last other
// lines are kept, since they name the file and the problem when the CLI fails.
class CliStderr {
public:
    explicit CliStderr(jobs::JobContext& context) : context_(context) {}

    void readLines(QProcess& process) {
        while (process.canReadLine()) {
            const QByteArray line = process.readLine().trimmed();
            if (!line.isEmpty() && !reportProgress(line)) keep(QString::fromUtf8(line));
        }
    }
    // After the exit: a last line without its newline still belongs in the error text.
    void readRest(QProcess& process) {
        readLines(process);
        const QByteArray rest = process.readAll().trimmed();
        if (!rest.isEmpty()) keep(QString::fromUtf8(rest));
    }
    QString lastLines() const { return QStringList(lines_.begin(), lines_.end()).join(QLatin1Char('\n')); }

private:
    bool reportProgress(const QByteArray& line) {
        if (!line.startsWith('{')) return false;
        const QJsonObject progress = QJsonDocument::fromJson(line).object();
        if (!progress.contains(QLatin1String("stage"))) return false;
        context_.report(progress.value(QLatin1String("stage")).toString().toStdString(),
                        progress.value(QLatin1String("fraction")).toDouble(),
                        progress.value(QLatin1String("message")).toString().toStdString());
        return true;
    }
    void keep(const QString& line) {
        lines_.push_back(line);
        if (lines_.size() > kKeptStderrLines) lines_.pop_front();
    }

    jobs::JobContext& context_;
    std::deque<QString> lines_;
};

// Starts `cli arguments` with JSON progress on stderr; throws cs::Error when it cannot start.
void startCli(QProcess& process, const QString& cli, const QStringList& arguments, bool ownProcessGroup) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("CS_PROGRESS"), QStringLiteral("jsonl"));
    process.setProcessEnvironment(env);
    process.setReadChannel(QProcess::StandardError);
#ifdef Q_OS_UNIX
    // The engine runs a little below the window's priority: LibTorch takes every core, and on a
    // 2-core machine the event loop then waits for the scheduler (QThread::LowPriority would do
    // the same for an in-process engine thread). The run is barely slower when nothing else runs.
    process.setChildProcessModifier([ownProcessGroup] {
        if (ownProcessGroup) setpgid(0, 0);
        errno = 0;
        if (::nice(kEngineNiceness) == -1 && errno != 0) {
            // Not allowed to lower the priority: run at the normal one.
        }
    });
#endif
    process.start(cli, arguments);
    if (!process.waitForStarted(30000))
        throw Error(cli.toStdString(), "cannot start the command-line engine: " + process.errorString().toStdString());
}

// Reads the child's output until it exits. A cancel sends SIGTERM (the CLI then marks the run
// cancelled and exits 130), and SIGKILL if it has not exited after the grace period. Returns
// whether the child was asked to stop.
bool waitForExit(QProcess& process, jobs::JobContext& context, CliStderr& stderrLines, const CliRunOptions& options) {
    bool terminated = false;
    std::chrono::steady_clock::time_point terminatedAt;
    const auto signal = [&](int number) {
#ifdef Q_OS_UNIX
        if (options.ownProcessGroup && process.processId() > 0) {
            ::kill(-pid_t(process.processId()), number);
            return;
        }
#endif
        number == SIGKILL ? process.kill() : process.terminate();
    };
    while (process.state() != QProcess::NotRunning) {
        process.waitForReadyRead(100);
        process.readAllStandardOutput();  // the summary line; the run itself is in the project
        stderrLines.readLines(process);
        if (options.whileRunning && !terminated) options.whileRunning();
        if (context.cancelled() && !terminated) {
            signal(SIGTERM);
            terminated = true;
            terminatedAt = std::chrono::steady_clock::now();
        } else if (terminated && std::chrono::steady_clock::now() - terminatedAt > std::chrono::milliseconds(kTerminateGraceMs)) {
            signal(SIGKILL);
            process.waitForFinished(5000);
        }
    }
    process.waitForFinished(1000);
    return terminated;
}

// Ends the job as the CLI ended: returns on exit 0, throws cs::Cancelled for 130 or a requested
// stop, and otherwise cs::Error carrying the CLI's last stderr lines.
void endAsTheCliEnded(const QProcess& process, bool terminated, const QString& lastLines) {
    const bool normalExit = process.exitStatus() == QProcess::NormalExit;
    if (normalExit && process.exitCode() == 0) return;
    if ((normalExit && process.exitCode() == 130) || terminated) throw Cancelled();
    QString problem = lastLines;
    if (problem.isEmpty())
        problem = normalExit ? QStringLiteral("%1 exited with code %2").arg(kCliName).arg(process.exitCode())
                             : QStringLiteral("%1 crashed").arg(kCliName);
    else if (!normalExit)
        problem += QStringLiteral("\n(%1 crashed)").arg(kCliName);
    throw Error(std::string(), problem.toStdString());
}

}  // namespace

CliRunJob::CliRunJob(QString cliPath, QStringList arguments, QString displayName)
    : cliPath_(std::move(cliPath)), arguments_(std::move(arguments)), displayName_(std::move(displayName)) {}

void runCli(const QString& cli, const QStringList& arguments, jobs::JobContext& context, const CliRunOptions& options) {
    // Created on the job's thread, which has no Qt event loop: only the blocking waitFor* calls
    // are used, each bounded so cancel is noticed within a tenth of a second.
    QProcess process;
    startCli(process, cli, arguments, options.ownProcessGroup);
    CliStderr stderrLines(context);
    const bool terminated = waitForExit(process, context, stderrLines, options);
    stderrLines.readRest(process);
    endAsTheCliEnded(process, terminated, stderrLines.lastLines());
}

void CliRunJob::run(jobs::JobContext& context) { runCli(cliPath_, arguments_, context); }

namespace {
QString requireCli(const QString& cliPath) {
    const QString cli = cliPath.isEmpty() ? findCliExecutable() : cliPath;
    if (cli.isEmpty())
        throw Error(kCliName.toStdString(), "not found next to the studio (" + QCoreApplication::applicationDirPath().toStdString() +
                                                "), in its ../cli/ folder or on PATH; runs start through it");
    return cli;
}
}  // namespace

RunLauncher makeCliRunLauncher(QString cliPath) {
    return [cliPath](const RunSpec& spec) -> std::unique_ptr<jobs::Job> {
        if (spec.isSweep()) return std::make_unique<SweepJob>(requireCli(cliPath), spec, newSweepFolder(spec));
        return std::make_unique<CliRunJob>(requireCli(cliPath), cliArguments(spec), spec.displayName());
    };
}

namespace {
// A CLI command whose --json result the caller reads once the job is done. `arguments` gets the
// result file's path; `what` names the result in messages.
LaunchedJob launchWithJsonResult(const QString& cli, const std::function<QStringList(const QString&)>& arguments, const QString& name,
                                 const QString& what) {
    // The result file lives as long as someone may still read it (the job and the reader).
    auto dir = std::make_shared<QTemporaryDir>(QDir::temp().filePath(QStringLiteral("concept-studio-result-XXXXXX")));
    if (!dir->isValid()) throw Error(QDir::tempPath().toStdString(), "cannot create a temporary folder for the " + what.toStdString());
    const QString jsonOut = dir->filePath(QStringLiteral("result.json"));
    LaunchedJob launched;
    launched.job = std::make_unique<CliRunJob>(cli, arguments(jsonOut), name);
    launched.resultJson = [dir, jsonOut, what]() -> QString {
        QFile file(jsonOut);
        if (!file.open(QIODevice::ReadOnly)) return QStringLiteral("%1: cannot read the %2").arg(jsonOut, what);
        return QString::fromUtf8(file.readAll());
    };
    return launched;
}
}  // namespace

AblationLauncher makeCliAblationLauncher(QString cliPath) {
    return [cliPath](const AblationRequest& request) {
        const QString name = request.scale == 0.0 ? QStringLiteral("Ablate latent %1").arg(request.latent)
                                                  : QStringLiteral("Steer latent %1 x %2").arg(request.latent).arg(request.scale);
        return launchWithJsonResult(requireCli(cliPath), [&](const QString& out) { return cliArguments(request, out); }, name,
                                    QStringLiteral("ablation result"));
    };
}

UserConceptLauncher makeCliUserConceptLauncher(QString cliPath) {
    return [cliPath](const UserConceptRequest& request) {
        const QString name = request.tag.isEmpty() ? QStringLiteral("Latents for %1 items").arg(request.itemIds.size())
                                                   : QStringLiteral("Latents for tag %1").arg(request.tag);
        return launchWithJsonResult(requireCli(cliPath), [&](const QString& out) { return cliArguments(request, out); }, name,
                                    QStringLiteral("user concept result"));
    };
}

}  // namespace cs::ui
