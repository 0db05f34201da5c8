// Runs started from the studio go through concept-studio-cli as a subprocess (the default build
// links no engine): a real CRAFT run on a tiny TorchScript model shows progress in the run panel
// and ends as a done run in the project; cancel from the panel stops the CLI and the run is stored
// as cancelled; a run the CLI refuses ends in a dialog with the CLI's own message.
#include "services/cli_run_job.h"
#include "services/job_monitor.h"
#include "app/studio_window.h"
#include "cli_fixture.h"
#include "gui_test_main.h"
#include "panels/project_explorer.h"
#include "panels/run_panel.h"
#include "store/project_store.h"
#include "vtk/vtk_view_widget.h"

#include <QFileInfo>
#include <QStatusBar>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QMessageBox>
#include <QProgressBar>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeWidget>


using namespace cs::ui;

namespace {

cs::store::RunStatus onlyRunStatus(const QString& project, std::string* error = nullptr) {
    auto store = cs::store::ProjectStore::open(project.toStdString(), true);
    const auto runs = store->runs();
    if (runs.size() != 1) return cs::store::RunStatus::Queued;
    if (error) *error = runs.front().error;
    return runs.front().status;
}

}  // namespace

class TestCliRuns : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QVERIFY2(QFileInfo(QStringLiteral(CS_CLI_PATH)).isExecutable(), CS_CLI_PATH);
        model_ = dir_.filePath(QStringLiteral("tiny_split.pt"));
        const QString exportProblem = cs::testing::exportTinySplitModel(model_);
        QVERIFY2(exportProblem.isEmpty(), qPrintable(exportProblem));
        images_ = dir_.filePath(QStringLiteral("t10k-images-idx3-ubyte"));
        QVERIFY(cs::testing::writeTinyIdx(images_, dir_.filePath(QStringLiteral("t10k-labels-idx1-ubyte")), 48));
    }

    void argumentsFollowTheCliOptions() {
        RunSpec r = craftSpec(QStringLiteral("/p/x.cstudio"));
        r.craft.options.recursiveLayers = {"block1"};
        r.craft.adapter = "torchscript-split";
        const QStringList args = cliArguments(r);
        QCOMPARE(args.first(), QStringLiteral("craft"));
        for (const char* option : {"--project", "--model", "--images", "--class", "--layer", "--concepts", "--patch-size", "--sobol-designs",
                                   "--recursive-layers", "--seed", "--adapter"})
            QVERIFY2(args.contains(QString::fromLatin1(option)), option);
        QCOMPARE(args.at(args.indexOf(QStringLiteral("--recursive-layers")) + 1), QStringLiteral("block1"));
        QCOMPARE(args.at(args.indexOf(QStringLiteral("--patch-size")) + 1), QStringLiteral("16"));
        RunSpec s;
        s.kind = RunSpec::Kind::RecSae;
        s.recsae.interactionsPath = "/d/ratings.dat";
        const QStringList sae = cliArguments(s);
        QCOMPARE(sae.first(), QStringLiteral("recsae"));
        for (const char* option : {"--project", "--model", "--interactions", "--format", "--expansion", "--k", "--epochs", "--seed"})
            QVERIFY2(sae.contains(QString::fromLatin1(option)), option);
        QVERIFY(!sae.contains(QStringLiteral("--item-meta")));  // optional and empty
    }

    void aCraftRunThroughTheCliShowsProgressAndLandsInTheProject() {
        const QString project = dir_.filePath(QStringLiteral("craft.cstudio"));
        StudioWindow window;
        window.resize(1200, 800);
        window.show();
        QVERIFY(window.newProject(project));
        window.setRunLauncher(makeCliRunLauncher(QStringLiteral(CS_CLI_PATH)));

        QStringList stagesSeen;
        double maxFraction = 0.0;
        bool grabbed = false;
        connect(window.jobs(), &JobMonitor::jobChanged, this, [&](quint64 id) {
            const JobStatus* s = window.jobs()->status(id);
            if (!s || s->state != cs::jobs::JobState::Running || s->stage.isEmpty()) return;
            if (!stagesSeen.contains(s->stage)) stagesSeen << s->stage;
            maxFraction = std::max(maxFraction, s->fraction);
            if (!grabbed && s->fraction > 0.2) {  // for the report: the panel mid-run
                grabbed = window.runPanel()->grab().save(QStringLiteral(CS_TEST_TMP "/cli_run_panel_midrun.png"));
            }
        });
        const quint64 id = window.startRun(craftSpec(project));
        QVERIFY(id != 0);
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->activeCount() == 0, 180000);
        const JobStatus* status = window.jobs()->status(id);
        QVERIFY2(status->state == cs::jobs::JobState::Done, qPrintable(status->error));
        QVERIFY2(stagesSeen.size() >= 2, qPrintable(stagesSeen.join(QLatin1Char(','))));
        QVERIFY(maxFraction > 0.2);
        QCOMPARE(window.runPanel()->progressBar(id)->value(), window.runPanel()->progressBar(id)->maximum());
        QCOMPARE(onlyRunStatus(project), cs::store::RunStatus::Done);
        // The finished job reloads the explorer: the CLI's run is there, done.
        QTRY_COMPARE(window.explorer()->tree()->topLevelItem(2)->childCount(), 1);
        QCOMPARE(window.explorer()->tree()->topLevelItem(2)->child(0)->text(1), QStringLiteral("done"));
        QVERIFY(window.lastErrorDialog() == nullptr);
    }

    void exportReportWritesHtmlAndPdfThroughTheCli() {
        // Runs after the CRAFT test above, whose project holds one finished run.
        const QString project = dir_.filePath(QStringLiteral("craft.cstudio"));
        const QString out = dir_.filePath(QStringLiteral("report-out"));
        const QByteArray oldPath = qgetenv("PATH");
        qputenv("PATH", QFileInfo(QStringLiteral(CS_CLI_PATH)).absolutePath().toUtf8() + ":" + oldPath);
        StudioWindow window;
        window.show();
        QVERIFY(window.openProject(project));
        const quint64 id = window.exportReport(out);
        qputenv("PATH", oldPath);
        QVERIFY(id != 0);
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->activeCount() == 0, 120000);
        const JobStatus* status = window.jobs()->status(id);
        QVERIFY2(status->state == cs::jobs::JobState::Done, qPrintable(status->error));
        QFile html(QDir(out).filePath(QStringLiteral("report.html")));
        QVERIFY(html.open(QIODevice::ReadOnly));
        const QByteArray text = html.readAll();
        QVERIFY(text.contains("craft.cstudio") || text.contains("CRAFT"));
        QFile pdf(QDir(out).filePath(QStringLiteral("report.pdf")));
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        QVERIFY(pdf.read(5) == QByteArray("%PDF-"));
        QVERIFY(window.statusBar()->currentMessage().contains(QStringLiteral("report.html")));
        QVERIFY(window.lastErrorDialog() == nullptr);
    }

    void cancelFromTheRunPanelStopsTheCliAndStoresACancelledRun() {
        const QString project = dir_.filePath(QStringLiteral("cancel.cstudio"));
        StudioWindow window;
        window.show();
        QVERIFY(window.newProject(project));
        window.setRunLauncher(makeCliRunLauncher(QStringLiteral(CS_CLI_PATH)));
        RunSpec request = craftSpec(project);
        request.craft.options.sobolDesigns = 4000;  // long enough to be cancelled mid-run
        request.craft.options.concepts = 6;
        const quint64 id = window.startRun(request);
        QVERIFY(id != 0);
        // Cancel once the CLI reports work (the run row exists in the project by then).
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->status(id)->fraction > 0.0, 60000);
        QVERIFY(window.jobs()->activeCount() == 1);
        QToolButton* cancel = window.runPanel()->cancelButton(id);
        QVERIFY(cancel && cancel->isEnabled());
        cancel->click();
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->activeCount() == 0, 60000);
        QCOMPARE(window.jobs()->status(id)->state, cs::jobs::JobState::Cancelled);
        QCOMPARE(onlyRunStatus(project), cs::store::RunStatus::Cancelled);
        QVERIFY(window.lastErrorDialog() == nullptr);  // a cancel is not an error
    }

    void aRunTheCliRefusesShowsItsMessage() {
        const QString project = dir_.filePath(QStringLiteral("refused.cstudio"));
        StudioWindow window;
        window.show();
        QVERIFY(window.newProject(project));
        window.setRunLauncher(makeCliRunLauncher(QStringLiteral(CS_CLI_PATH)));
        RunSpec request = craftSpec(project);
        request.craft.classSpec = "9";
        const quint64 id = window.startRun(request);
        QVERIFY(id != 0);
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->activeCount() == 0, 60000);
        QCOMPARE(window.jobs()->status(id)->state, cs::jobs::JobState::Failed);
        QTRY_VERIFY(window.lastErrorDialog() != nullptr);
        const QString text = window.lastErrorDialog()->text();
        QVERIFY2(text.contains(QStringLiteral("t10k-images-idx3-ubyte")) && text.contains(QStringLiteral("no images of class 9")), qPrintable(text));
        QVERIFY2(!text.contains(QStringLiteral("{\"stage\"")), qPrintable(text));  // progress lines are not error text
    }

    void aMissingCliIsNamedBeforeAnythingStarts() {
        StudioWindow window;
        window.show();
        window.setRunLauncher(makeCliRunLauncher(dir_.filePath(QStringLiteral("no-such-cli"))));
        const quint64 id = window.startRun(craftSpec(dir_.filePath(QStringLiteral("x.cstudio"))));
        QVERIFY(id != 0);  // the launcher cannot know before starting; the job fails with the path
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->activeCount() == 0, 30000);
        QCOMPARE(window.jobs()->status(id)->state, cs::jobs::JobState::Failed);
        QVERIFY2(window.jobs()->status(id)->error.contains(QStringLiteral("no-such-cli")), qPrintable(window.jobs()->status(id)->error));
    }

    void theCliIsFoundOnPathWhenNotBesideTheStudio() {
        // This test binary lives in tests/gui/: neither it nor ../cli/ holds the CLI.
        const QByteArray oldPath = qgetenv("PATH");
        qputenv("PATH", QFileInfo(QStringLiteral(CS_CLI_PATH)).absolutePath().toUtf8());
        const QString found = findCliExecutable();
        qputenv("PATH", QByteArray("/nonexistent"));
        const QString none = findCliExecutable();
        qputenv("PATH", oldPath);
        QCOMPARE(QFileInfo(found).canonicalFilePath(), QFileInfo(QStringLiteral(CS_CLI_PATH)).canonicalFilePath());
        QCOMPARE(none, QString());
    }

private:
    RunSpec craftSpec(const QString& project) const {
        RunSpec r;
        r.kind = RunSpec::Kind::Craft;
        r.craft.projectPath = project.toStdString();
        r.craft.modelPath = model_.toStdString();
        r.craft.imagesPath = images_.toStdString();
        r.craft.classSpec = "class1";
        r.craft.options.layer = "block2";
        r.craft.options.concepts = 3;
        r.craft.options.patchSize = 16;
        r.craft.options.sobolDesigns = 64;
        r.craft.options.recursiveLayers = {"block1"};
        r.craft.options.seed = 0;
        return r;
    }

    QTemporaryDir dir_;
    QString model_, images_;
};

CS_GUI_TEST_MAIN(TestCliRuns)

#include "test_cli_runs.moc"
