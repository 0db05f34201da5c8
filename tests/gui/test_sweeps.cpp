// Sweeps from the studio (docs/cluster.md): the New Run dialog turns several classes, a RecSAE grid
// or "Run on: Slurm cluster" into a sweep; the job monitor follows it as one row with its shard
// counts; its runs are merged into the project when the last shard ends, appear in the explorer
// under Sweeps, and the sweep view lists them side by side, sortable, each row opening its run.
// Real runs: a tiny exported CRAFT model through concept-studio-cli, here and on a one-node Slurm
// cluster started by the test (tests/support/slurm_cluster.h).
#include "app/studio_window.h"
#include "cli_fixture.h"
#include "dialogs/new_run_dialog.h"
#include "gui_test_main.h"
#include "panels/project_explorer.h"
#include "services/cli_run_job.h"
#include "services/job_monitor.h"
#include "services/selection_model.h"
#include "services/sweep_job.h"
#include "slurm_cluster.h"
#include "store/project_store.h"
#include "views/sweep_view.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSpinBox>
#include <QScrollArea>
#include <QScrollBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <memory>

using namespace cs::ui;

namespace {

QTreeWidgetItem* topLevelItemStartingWith(QTreeWidget* tree, const QString& prefix) {
    for (int i = 0; i < tree->topLevelItemCount(); ++i)
        if (tree->topLevelItem(i)->text(0).startsWith(prefix)) return tree->topLevelItem(i);
    return nullptr;
}

int column(const QTableWidget* table, const QString& header) {
    for (int c = 0; c < table->columnCount(); ++c)
        if (table->horizontalHeaderItem(c)->text() == header) return c;
    return -1;
}

QString valueAfter(const QStringList& arguments, const QString& option) {
    const int at = int(arguments.indexOf(option));
    return at >= 0 && at + 1 < arguments.size() ? arguments[at + 1] : QString();
}

}  // namespace

class TestSweeps : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        model_ = dir_.filePath(QStringLiteral("tiny_split.pt"));
        const QString problem = cs::testing::exportTinySplitModel(model_);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        images_ = dir_.filePath(QStringLiteral("t10k-images-idx3-ubyte"));
        QVERIFY(cs::testing::writeTinyIdx(images_, dir_.filePath(QStringLiteral("t10k-labels-idx1-ubyte")), 32));
    }

    void whatMakesASweep() {
        RunSpec run = craftSpec(QStringLiteral("/p/x.cstudio"), QStringLiteral("class1"));
        QVERIFY(!run.isSweep());
        run.craft.classSpec = "T-shirt/top";  // a name with a dash is one class
        QVERIFY(!run.isSweep());
        for (const char* classes : {"0-1", "class0,class1", "all", "@classes.txt"}) {
            run.craft.classSpec = classes;
            QVERIFY2(run.isSweep(), classes);
        }
        run.craft.classSpec = "class1";
        run.sweep.executor = SweepSpec::Executor::Slurm;  // one class on Slurm is a sweep of one
        QVERIFY(run.isSweep());

        RunSpec sae;
        sae.kind = RunSpec::Kind::RecSae;
        QVERIFY(!sae.isSweep());
        sae.sweep.ks = QStringLiteral("8");
        QVERIFY(!sae.isSweep());
        sae.sweep.seeds = QStringLiteral("1,2");
        QVERIFY(sae.isSweep());
    }

    void sweepArgumentsAreTheRunsOwnWithTheListsAndTheExecutor() {
        const QStringList craft = sweepPlanArguments(craftSpec(QStringLiteral("/p/x.cstudio"), QStringLiteral("0-1")), QStringLiteral("/p/s"));
        QCOMPARE(craft.mid(0, 5), (QStringList{"sweep", "plan", "--out", "/p/s", "craft"}));
        QCOMPARE(valueAfter(craft, QStringLiteral("--classes")), QStringLiteral("0-1"));
        QCOMPARE(valueAfter(craft, QStringLiteral("--layer")), QStringLiteral("block2"));
        for (const char* perRun : {"--project", "--class", "--json"}) QVERIFY2(!craft.contains(QString::fromLatin1(perRun)), perRun);

        RunSpec sae;
        sae.kind = RunSpec::Kind::RecSae;
        sae.recsae.projectPath = "/p/x.cstudio";
        sae.recsae.modelPath = "/m/sasrec.pt";
        sae.recsae.sae.k = 8;
        sae.sweep.expansions = QStringLiteral("2, 4");
        const QStringList grid = sweepPlanArguments(sae, QStringLiteral("/p/s"));
        QCOMPARE(grid.at(4), QStringLiteral("recsae"));
        QCOMPARE(valueAfter(grid, QStringLiteral("--expansions")), QStringLiteral("2,4"));
        QCOMPARE(valueAfter(grid, QStringLiteral("--k")), QStringLiteral("8"));  // the single value
        QCOMPARE(valueAfter(grid, QStringLiteral("--model")), QStringLiteral("/m/sasrec.pt"));
        QVERIFY(!grid.contains(QStringLiteral("--expansion")) && !grid.contains(QStringLiteral("--seed")));

        SweepSpec slurm;
        slurm.executor = SweepSpec::Executor::Slurm;
        slurm.parallel = 0;
        slurm.partition = QStringLiteral("gpu");
        slurm.time = QStringLiteral("01:00:00");
        slurm.cpusPerTask = 4;
        slurm.mem = QStringLiteral("8G");
        const QStringList submit = sweepRunArguments(slurm, QStringLiteral("/p/s"));
        QCOMPARE(submit.mid(0, 5), (QStringList{"sweep", "run", "/p/s", "--executor", "slurm"}));
        QVERIFY(!submit.contains(QStringLiteral("-j")));  // no limit
        QVERIFY(!submit.contains(QStringLiteral("--account")));  // empty: the cluster's default
        QCOMPARE(valueAfter(submit, QStringLiteral("--partition")), QStringLiteral("gpu"));
        QCOMPARE(valueAfter(submit, QStringLiteral("--cpus-per-task")), QStringLiteral("4"));
        QCOMPARE(valueAfter(submit, QStringLiteral("--mem")), QStringLiteral("8G"));
        SweepSpec local;
        local.parallel = 2;
        QCOMPARE(sweepRunArguments(local, QStringLiteral("/p/s")), (QStringList{"sweep", "run", "/p/s", "--executor", "local", "-j", "2"}));
    }

    void theDialogDescribesASweep() {
        NewRunDialog dialog(dir_.filePath(QStringLiteral("dialog.cstudio")));
        dialog.show();
        dialog.modelEdit()->setText(model_);
        dialog.imagesEdit()->setText(images_);
        dialog.layerEdit()->setText(QStringLiteral("block2"));
        dialog.classEdit()->setText(QStringLiteral("class1"));
        auto* note = dialog.findChild<QLabel*>(QStringLiteral("sweepNote"));
        QVERIFY(note);
        QVERIFY(!dialog.spec().isSweep());
        dialog.classEdit()->setText(QStringLiteral("0-1"));
        QVERIFY(dialog.spec().isSweep());
        QVERIFY2(note->text().contains(QStringLiteral("one run per class")), qPrintable(note->text()));
        dialog.runOnBox()->setCurrentIndex(1);
        auto* partition = dialog.findChild<QLineEdit*>(QStringLiteral("slurmPartition"));
        QVERIFY(partition && partition->isVisible());
        partition->setText(QStringLiteral("debug"));
        dialog.findChild<QSpinBox*>(QStringLiteral("slurmCpus"))->setValue(2);
        const RunSpec spec = dialog.spec();
        QCOMPARE(spec.sweep.executor, SweepSpec::Executor::Slurm);
        QCOMPARE(spec.sweep.partition, QStringLiteral("debug"));
        QCOMPARE(spec.sweep.cpusPerTask, 2);
        QCOMPARE(spec.sweep.parallel, 0);  // no limit on Slurm by default
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTest::qWait(200);  // the layout settles (the scroll area fits its form to the width left by its scroll bar)
        // For the user guide: the form scrolled to its end, where the Run on group is.
        auto* scroll = dialog.findChild<QScrollArea*>();
        QVERIFY(scroll);
        QCOMPARE(scroll->widget()->width(), scroll->viewport()->width());  // nothing cut off on the right
        scroll->verticalScrollBar()->setValue(scroll->verticalScrollBar()->maximum());
        dialog.grab().save(QStringLiteral(CS_TEST_TMP "/new_run_sweep.png"));
        dialog.runOnBox()->setCurrentIndex(0);
        QVERIFY(!partition->isVisible());
        QCOMPARE(dialog.spec().sweep.parallel, 1);
    }

    void aLocalSweepIsOneJobWhoseRunsAreMergedAndListed() {
        const QString project = dir_.filePath(QStringLiteral("local.cstudio"));
        StudioWindow window;
        window.resize(1300, 850);
        window.show();
        QVERIFY(window.newProject(project));
        window.setRunLauncher(makeCliRunLauncher(QStringLiteral(CS_CLI_PATH)));

        QStringList messages;
        connect(window.jobs(), &JobMonitor::jobChanged, this, [&](quint64 id) {
            const JobStatus* s = window.jobs()->status(id);
            if (s && !s->message.isEmpty() && !messages.contains(s->message)) messages << s->message;
        });
        RunSpec spec = craftSpec(project, QStringLiteral("0-1"));
        spec.sweep.parallel = 2;
        const quint64 id = window.startRun(spec);
        QVERIFY(id != 0);
        QCOMPARE(window.jobs()->activeCount(), 1);  // one row for the whole sweep
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->activeCount() == 0, 300000);
        const JobStatus* status = window.jobs()->status(id);
        QVERIFY2(status->state == cs::jobs::JobState::Done, qPrintable(status->error));
        QVERIFY2(status->name.startsWith(QStringLiteral("Sweep: ")), qPrintable(status->name));
        QVERIFY2(messages.contains(QStringLiteral("2 of 2 shards done")), qPrintable(messages.join(QLatin1Char('|'))));

        expectMergedSweepOfTwoClasses(window, project);
        window.grab().save(QStringLiteral(CS_TEST_TMP "/sweep_view_local.png"));

        // Sorting by a column orders the rows by its numbers, and a row opens its run.
        auto* view = window.findChild<SweepView*>();
        QTableWidget* table = view->table();
        const int importance = column(table, QStringLiteral("Top importance"));
        QVERIFY(importance >= 0);
        table->sortItems(importance, Qt::DescendingOrder);
        QVERIFY(table->item(0, importance)->text().toDouble() >= table->item(1, importance)->text().toDouble());
        const qint64 first = view->runIdAt(0);
        const QRect cell = table->visualItemRect(table->item(0, 0));
        // An item view takes a double click on the index its press landed on: click, then double-click.
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, cell.center());
        QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, cell.center());
        QTRY_COMPARE(window.currentViewName(), QStringLiteral("overview"));
        QCOMPARE(window.findChild<ConceptSelection*>()->runId(), first);
        QVERIFY(window.lastErrorDialog() == nullptr);
    }

    void aFailedShardIsNamedAndTheOthersAreStillMerged() {
        const QString project = dir_.filePath(QStringLiteral("partial.cstudio"));
        StudioWindow window;
        window.show();
        QVERIFY(window.newProject(project));
        window.setRunLauncher(makeCliRunLauncher(QStringLiteral(CS_CLI_PATH)));
        // The tiny model has 2 classes: images of class 7 do not exist, so that shard fails.
        const quint64 id = window.startRun(craftSpec(project, QStringLiteral("1,7")));
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->activeCount() == 0, 300000);
        const JobStatus* status = window.jobs()->status(id);
        QCOMPARE(status->state, cs::jobs::JobState::Failed);
        QVERIFY2(status->error.contains(QStringLiteral("1 of 2 shards failed")) && status->error.contains(QStringLiteral("class 7")) &&
                     status->error.contains(QStringLiteral("--resume")),
                 qPrintable(status->error));
        auto store = cs::store::ProjectStore::open(project.toStdString(), true);
        QCOMPARE(store->sweeps().size(), size_t(1));
        QCOMPARE(store->sweeps().front().runCount, int64_t(1));
        QTRY_VERIFY(window.lastErrorDialog() != nullptr);
    }

    void cancellingALocalSweepStopsItsShards() {
        const QString project = dir_.filePath(QStringLiteral("cancel.cstudio"));
        StudioWindow window;
        window.show();
        QVERIFY(window.newProject(project));
        window.setRunLauncher(makeCliRunLauncher(QStringLiteral(CS_CLI_PATH)));
        RunSpec spec = craftSpec(project, QStringLiteral("0-1"));
        spec.craft.options.sobolDesigns = 50000;  // minutes of work: still running when cancelled
        spec.sweep.parallel = 2;
        const quint64 id = window.startRun(spec);
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->status(id)->message.contains(QStringLiteral("2 running")), 60000);
        // Both shards' runs have started (their projects hold a running run) before the cancel.
        const auto shardsRunning = [&] {
            const QDir shards(sweepFolderOf(project) + QStringLiteral("/shards"));
            const QStringList files = shards.entryList({QStringLiteral("*.cstudio")}, QDir::Files);
            return files.size() == 2 && shardRunIs(shards.filePath(files[0]), cs::store::RunStatus::Running) &&
                   shardRunIs(shards.filePath(files[1]), cs::store::RunStatus::Running);
        };
        QTRY_VERIFY_WITH_TIMEOUT(shardsRunning(), 60000);
        window.jobs()->cancel(id);
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->activeCount() == 0, 60000);
        QCOMPARE(window.jobs()->status(id)->state, cs::jobs::JobState::Cancelled);
        // The cancel reached the shards: each one stored its run as cancelled (not left running).
        const QDir shards(sweepFolderOf(project) + QStringLiteral("/shards"));
        for (const QString& file : shards.entryList({QStringLiteral("*.cstudio")}, QDir::Files))
            QTRY_VERIFY_WITH_TIMEOUT(shardRunIs(shards.filePath(file), cs::store::RunStatus::Cancelled), 20000);
        QVERIFY(window.lastErrorDialog() == nullptr);  // a cancel is not an error
    }

    void aSlurmSweepIsSubmittedFollowedAndMerged() {
        std::unique_ptr<cs::testing::SlurmCluster> cluster;
        const QString clusterDir = QDir(QStringLiteral(CS_TEST_TMP)).filePath(QStringLiteral("gui-slurm"));
        QDir(clusterDir).removeRecursively();
        QVERIFY(QDir().mkpath(clusterDir));
        try {
            cluster = std::make_unique<cs::testing::SlurmCluster>(clusterDir.toStdString());
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        const QString project = dir_.filePath(QStringLiteral("slurm.cstudio"));
        StudioWindow window;
        window.resize(1300, 850);
        window.show();
        QVERIFY(window.newProject(project));
        window.setRunLauncher(makeCliRunLauncher(QStringLiteral(CS_CLI_PATH)));
        RunSpec spec = craftSpec(project, QStringLiteral("class0,class1"));
        spec.sweep.executor = SweepSpec::Executor::Slurm;
        spec.sweep.parallel = 0;
        spec.sweep.partition = QString::fromStdString(cluster->partition());
        spec.sweep.cpusPerTask = 1;
        const quint64 id = window.startRun(spec);
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->activeCount() == 0, 300000);
        const JobStatus* status = window.jobs()->status(id);
        QVERIFY2(status->state == cs::jobs::JobState::Done, qPrintable(status->error));
        // The submission is Slurm's: a job id in the sweep folder's submissions.
        QFile submissions(sweepFolderOf(project) + QStringLiteral("/submissions.json"));
        QVERIFY(submissions.open(QIODevice::ReadOnly));
        QVERIFY(submissions.readAll().contains("\"slurm\""));
        expectMergedSweepOfTwoClasses(window, project);
        window.grab().save(QStringLiteral(CS_TEST_TMP "/sweep_view_slurm.png"));
    }

private:
    RunSpec craftSpec(const QString& project, const QString& classes) const {
        RunSpec r;
        r.kind = RunSpec::Kind::Craft;
        r.craft.projectPath = project.toStdString();
        r.craft.modelPath = model_.toStdString();
        r.craft.imagesPath = images_.toStdString();
        r.craft.classSpec = classes.toStdString();
        r.craft.options.layer = "block2";
        r.craft.options.concepts = 3;
        r.craft.options.patchSize = 16;
        r.craft.options.sobolDesigns = 32;
        r.craft.options.seed = 0;
        return r;
    }

    // The one sweep folder planned beside `project`.
    static QString sweepFolderOf(const QString& project) {
        const QFileInfo info(project);
        const QDir sweeps(info.absolutePath() + QLatin1Char('/') + info.completeBaseName() + QStringLiteral(".sweeps"));
        const QStringList folders = sweeps.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        return folders.size() == 1 ? sweeps.filePath(folders.front()) : QString();
    }

    static bool shardRunIs(const QString& shardProject, cs::store::RunStatus status) {
        try {
            auto store = cs::store::ProjectStore::open(shardProject.toStdString(), true);
            const auto runs = store->runs();
            return runs.size() == 1 && runs.front().status == status;
        } catch (const std::exception&) {
            return false;  // the shard is creating its project
        }
    }

    // Two done runs grouped as one sweep in the project, under Sweeps in the explorer, and in the
    // sweep view (shown when the job ended) with a figure per run.
    static void expectMergedSweepOfTwoClasses(StudioWindow& window, const QString& project) {
        auto store = cs::store::ProjectStore::open(project.toStdString(), true);
        const auto sweeps = store->sweeps();
        QCOMPARE(sweeps.size(), size_t(1));
        QCOMPARE(sweeps.front().kind, std::string("craft"));
        QCOMPARE(sweeps.front().runCount, int64_t(2));
        for (const auto& member : store->sweepRuns(sweeps.front().id)) QCOMPARE(store->run(member.runId)->status, cs::store::RunStatus::Done);

        QTreeWidgetItem* node = topLevelItemStartingWith(window.explorer()->tree(), QStringLiteral("Sweeps"));
        QVERIFY(node);
        QCOMPARE(node->childCount(), 1);
        QCOMPARE(node->child(0)->text(1), QStringLiteral("2 runs"));

        QCOMPARE(window.currentViewName(), QStringLiteral("sweep"));
        auto* view = window.findChild<SweepView*>();
        QCOMPARE(view->sweepId(), sweeps.front().id);
        QTableWidget* table = view->table();
        QCOMPARE(table->rowCount(), 2);
        const int concepts = column(table, QStringLiteral("Concepts")), status = column(table, QStringLiteral("Status"));
        QVERIFY(concepts >= 0 && status >= 0);
        QStringList shards;
        for (int row = 0; row < 2; ++row) {
            QCOMPARE(table->item(row, status)->text(), QStringLiteral("done"));
            QCOMPARE(table->item(row, concepts)->text(), QStringLiteral("3"));
            shards << table->item(row, 0)->text();
        }
        shards.sort();
        QVERIFY2(shards.front().startsWith(QStringLiteral("class ")), qPrintable(shards.join(QLatin1Char(','))));
    }

    QTemporaryDir dir_;
    QString model_, images_;
};

CS_GUI_TEST_MAIN(TestSweeps)

#include "test_sweeps.moc"
