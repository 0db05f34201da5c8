#include "app/cli_run_job.h"

#include "common/error.h"

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
#include <unistd.h>
#endif

#include <cerrno>
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

QStringList cliArguments(const RunRequest& r) {
    QStringList args;
    const auto add = [&args](const char* option, const QString& value) { args << QString::fromLatin1(option) << value; };
    if (r.kind == RunRequest::Kind::Craft) {
        args << QStringLiteral("craft");
        add("--project", r.projectPath);
        add("--model", r.modelPath);
        if (!r.adapter.isEmpty() && r.adapter != QLatin1String("auto")) add("--adapter", r.adapter);
        add("--images", r.imagesPath);
        add("--class", r.classSpec);
        add("--layer", r.layer);
        add("--concepts", QString::number(r.concepts));
        add("--patch-size", QString::number(r.patchSize));
        add("--sobol-designs", QString::number(r.sobolDesigns));
        QStringList layers;
        for (const QString& layer : r.recursiveLayers.split(QLatin1Char(','), Qt::SkipEmptyParts)) layers << layer.trimmed();
        if (!layers.isEmpty()) add("--recursive-layers", layers.join(QLatin1Char(',')));
        if (r.maxImages > 0) add("--max-images", QString::number(r.maxImages));
        add("--seed", QString::number(r.seed));
    } else {
        args << QStringLiteral("recsae");
        add("--project", r.projectPath);
        add("--model", r.modelPath);
        add("--interactions", r.interactionsPath);
        add("--format", r.format.isEmpty() ? QStringLiteral("auto") : r.format);
        if (!r.itemMetaPath.isEmpty()) add("--item-meta", r.itemMetaPath);
        add("--expansion", QString::number(r.expansion));
        add("--k", QString::number(r.k));
        add("--epochs", QString::number(r.epochs));
        add("--seed", QString::number(r.seed));
    }
    return args;
}

QStringList cliArguments(const AblationRequest& r, const QString& jsonOut) {
    return {QStringLiteral("ablate"), QStringLiteral("--project"), r.projectPath, QStringLiteral("--run"), QString::number(r.runId),
            QStringLiteral("--latent"), QString::number(r.latent), QStringLiteral("--scale"), QString::number(r.scale, 'g', 10),
            QStringLiteral("--top-n"), QString::number(r.topN), QStringLiteral("--json"), jsonOut};
}

CliRunJob::CliRunJob(QString cliPath, QStringList arguments, QString displayName)
    : cliPath_(std::move(cliPath)), arguments_(std::move(arguments)), displayName_(std::move(displayName)) {}

void CliRunJob::run(jobs::JobContext& context) {
    // Created on the engine thread, which has no Qt event loop: only the blocking waitFor* calls
    // are used, each bounded so cancel is noticed within a tenth of a second.
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("CS_PROGRESS"), QStringLiteral("jsonl"));
    process.setProcessEnvironment(env);
    process.setReadChannel(QProcess::StandardError);
#ifdef Q_OS_UNIX
    // The engine runs a little below the window's priority: LibTorch takes every core, and on a
    // 2-core machine the event loop then waits for the scheduler (QThread::LowPriority would do
    // the same for an in-process engine thread). The run is barely slower when nothing else runs.
    process.setChildProcessModifier([] {
        errno = 0;
        if (::nice(kEngineNiceness) == -1 && errno != 0) {
            // Not allowed to lower the priority: run at the normal one.
        }
    });
#endif
    process.start(cliPath_, arguments_);
    if (!process.waitForStarted(30000))
        throw Error(cliPath_.toStdString(), "cannot start the command-line engine: " + process.errorString().toStdString());

    std::deque<QString> lastLines;
    const auto consumeStderr = [&] {
        while (process.canReadLine()) {
            const QByteArray raw = process.readLine().trimmed();
            if (raw.isEmpty()) continue;
            if (raw.startsWith('{')) {
                const QJsonObject line = QJsonDocument::fromJson(raw).object();
                if (line.contains(QLatin1String("stage"))) {
                    context.report(line.value(QLatin1String("stage")).toString().toStdString(),
                                   line.value(QLatin1String("fraction")).toDouble(),
                                   line.value(QLatin1String("message")).toString().toStdString());
                    continue;
                }
            }
            lastLines.push_back(QString::fromUtf8(raw));
            if (lastLines.size() > kKeptStderrLines) lastLines.pop_front();
        }
    };

    bool terminated = false;
    std::chrono::steady_clock::time_point terminatedAt;
    while (process.state() != QProcess::NotRunning) {
        process.waitForReadyRead(100);
        process.readAllStandardOutput();  // the summary line; the run itself is in the project
        consumeStderr();
        if (context.cancelled() && !terminated) {
            process.terminate();  // SIGTERM: the CLI cancels the job and marks the run cancelled
            terminated = true;
            terminatedAt = std::chrono::steady_clock::now();
        } else if (terminated && std::chrono::steady_clock::now() - terminatedAt > std::chrono::milliseconds(kTerminateGraceMs)) {
            process.kill();
            process.waitForFinished(5000);
        }
    }
    process.waitForFinished(1000);
    // A last line without its newline still belongs in the error text.
    consumeStderr();
    const QByteArray rest = process.readAll().trimmed();
    if (!rest.isEmpty()) lastLines.push_back(QString::fromUtf8(rest));

    if (process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0) return;
    if ((process.exitStatus() == QProcess::NormalExit && process.exitCode() == 130) || terminated) throw Cancelled();

    QStringList lines(lastLines.begin(), lastLines.end());
    QString problem = lines.join(QLatin1Char('\n'));
    if (problem.isEmpty())
        problem = process.exitStatus() == QProcess::CrashExit ? QStringLiteral("%1 crashed").arg(kCliName)
                                                              : QStringLiteral("%1 exited with code %2").arg(kCliName).arg(process.exitCode());
    else if (process.exitStatus() == QProcess::CrashExit)
        problem += QStringLiteral("\n(%1 crashed)").arg(kCliName);
    throw Error(std::string(), problem.toStdString());
}

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
    return [cliPath](const RunRequest& request) -> std::unique_ptr<jobs::Job> {
        return std::make_unique<CliRunJob>(requireCli(cliPath), cliArguments(request), request.displayName());
    };
}

AblationLauncher makeCliAblationLauncher(QString cliPath) {
    return [cliPath](const AblationRequest& request) {
        const QString cli = requireCli(cliPath);
        // The result file lives as long as someone may still read it (the job and the reader).
        auto dir = std::make_shared<QTemporaryDir>(QDir::temp().filePath(QStringLiteral("concept-studio-ablate-XXXXXX")));
        if (!dir->isValid())
            throw Error(QDir::tempPath().toStdString(), "cannot create a temporary folder for the ablation result");
        const QString jsonOut = dir->filePath(QStringLiteral("ablation.json"));
        const QString name = request.scale == 0.0 ? QStringLiteral("Ablate latent %1").arg(request.latent)
                                                  : QStringLiteral("Steer latent %1 x %2").arg(request.latent).arg(request.scale);
        LaunchedJob launched;
        launched.job = std::make_unique<CliRunJob>(cli, cliArguments(request, jsonOut), name);
        launched.resultJson = [dir, jsonOut]() -> QString {
            QFile file(jsonOut);
            if (!file.open(QIODevice::ReadOnly)) return QStringLiteral("%1: cannot read the ablation result").arg(jsonOut);
            return QString::fromUtf8(file.readAll());
        };
        return launched;
    };
}

}  // namespace cs::ui
