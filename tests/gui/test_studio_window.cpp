// GUI smoke test: the real main window in a real X display. Opens a project written by the
// fixture builder, follows the selection, runs and cancels a job from the run panel, and
// checks that bad files end in an error dialog naming the file, never in a crash.
#include "services/job_monitor.h"
#include "services/project_session.h"
#include "services/selection_model.h"
#include "app/studio_window.h"
#include "common/error.h"
#include "fixture_project.h"
#include "gui_test_main.h"
#include "panels/project_explorer.h"
#include "panels/run_panel.h"
#include "store/project_store.h"
#include "views/concept_atlas.h"
#include "views/heatmap_view.h"
#include "views/hierarchy_view.h"
#include "views/run_overview.h"
#include "vtk/vtk_view_widget.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QListWidget>
#include <QMessageBox>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeWidget>

#include <sqlite3.h>

#include <thread>

using namespace cs::ui;

namespace {
QString runStatusInTree(QTreeWidget* tree, qint64 runId) {
    for (int top = 0; top < tree->topLevelItemCount(); ++top) {
        QTreeWidgetItem* group = tree->topLevelItem(top);
        for (int i = 0; i < group->childCount(); ++i)
            if (group->child(i)->text(0).startsWith(QStringLiteral("#%1 ").arg(runId))) return group->child(i)->text(1);
    }
    return {};
}

void closeDialog(StudioWindow& window) {
    if (QMessageBox* box = window.lastErrorDialog()) box->accept();
    QTRY_VERIFY(window.lastErrorDialog() == nullptr);
}
}  // namespace

class TestStudioWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        projectPath_ = dir_.filePath(QStringLiteral("fixture.cstudio"));
        runs_ = cs::test::buildFixtureProject(projectPath_);
        QVERIFY(runs_.craft > 0 && runs_.failed > 0);
    }

    void init() {
        window_ = new StudioWindow;
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_));
    }
    void cleanup() {
        delete window_;
        window_ = nullptr;
    }

    void opensProjectAndListsRunsWithStatus() {
        QVERIFY(window_->openProject(projectPath_));
        QVERIFY(window_->lastErrorDialog() == nullptr);
        QVERIFY(window_->windowTitle().contains(QStringLiteral("fixture.cstudio")));
        QTreeWidget* tree = window_->explorer()->tree();
        QCOMPARE(tree->topLevelItemCount(), 3);  // models, datasets, runs
        QCOMPARE(tree->topLevelItem(0)->childCount(), 2);
        QCOMPARE(tree->topLevelItem(1)->childCount(), 2);
        QCOMPARE(tree->topLevelItem(2)->childCount(), 4);
        QCOMPARE(runStatusInTree(tree, runs_.craft), QStringLiteral("done"));
        QCOMPARE(runStatusInTree(tree, runs_.failed), QStringLiteral("failed"));
        QVERIFY(StudioWindow::recentProjects().value(0) == QFileInfo(projectPath_).absoluteFilePath());
        window_->grab().save(QStringLiteral(CS_TEST_TMP "/studio_window.png"));
    }

    void selectingARunInTheExplorerShowsIt() {
        QVERIFY(window_->openProject(projectPath_));
        QTreeWidget* tree = window_->explorer()->tree();
        QTreeWidgetItem* runs = tree->topLevelItem(2);
        QTreeWidgetItem* failed = nullptr;
        for (int i = 0; i < runs->childCount(); ++i)
            if (runs->child(i)->text(0).startsWith(QStringLiteral("#%1 ").arg(runs_.failed))) failed = runs->child(i);
        QVERIFY(failed);
        tree->setCurrentItem(failed);
        QCOMPARE(window_->selection()->runId(), runs_.failed);
        auto* overview = window_->findChild<RunOverview*>();
        QVERIFY(overview);
        QVERIFY(overview->plainText().contains(QStringLiteral("no probe point 'features.9'")));
        // And the other way round: a selection made elsewhere moves the explorer.
        window_->selection()->setRun(runs_.sae);
        QVERIFY(tree->currentItem()->text(0).startsWith(QStringLiteral("#%1 ").arg(runs_.sae)));
        QVERIFY(overview->plainText().contains(QStringLiteral("recsae")));
    }

    void everyViewCanBeShown() {
        QVERIFY(window_->openProject(projectPath_));
        window_->selection()->setRun(runs_.craft);
        for (const QString& name : window_->viewNames()) {
            QVERIFY(window_->showView(name));
            QCOMPARE(window_->currentViewName(), name);
            QTest::qWait(50);
        }
        QVERIFY(!window_->showView(QStringLiteral("no-such-view")));
    }

    void aConceptClickedInTheAtlasIsSelectedInTheOtherViews() {
        QVERIFY(window_->openProject(projectPath_));
        window_->selection()->setRun(runs_.craft);
        QVERIFY(window_->showView(QStringLiteral("atlas")));
        auto* atlas = window_->findChild<ConceptAtlas*>();
        QVERIFY(atlas && atlas->cardOrder().size() == 6);
        const qint64 picked = atlas->cardOrder().at(2);
        QTest::mouseClick(atlas->card(picked), Qt::LeftButton, Qt::NoModifier, QPoint(15, 15));
        QCOMPARE(window_->selection()->conceptId(), picked);
        auto* legend = window_->findChild<QListWidget*>(QStringLiteral("heatmapLegend"));
        QVERIFY(legend && legend->currentItem());
        QCOMPARE(legend->currentItem()->data(Qt::UserRole).toLongLong(), picked);
        QVERIFY(window_->showView(QStringLiteral("hierarchy")));
        auto* hierarchy = window_->findChild<HierarchyView*>();
        const int node = hierarchy->data().findItem(picked);
        QVERIFY(node > 0);
        // Clicking another region in the hierarchy moves the atlas's highlight.
        QTRY_VERIFY(hierarchy->canvas()->framesRendered() > 0);
        int other = -1;
        for (size_t i = 1; i < hierarchy->data().nodes.size(); ++i)
            if (hierarchy->data().nodes[i].depth == 1 && int(i) != node && hierarchy->data().nodes[i].children.empty()) other = int(i);
        QVERIFY(other > 0);
        QTRY_VERIFY(hierarchy->nodeAt(hierarchy->anchorOf(other).toPoint()) == other);
        QTest::mouseClick(hierarchy->canvas(), Qt::LeftButton, Qt::NoModifier, hierarchy->anchorOf(other).toPoint());
        const qint64 otherId = hierarchy->data().nodes[other].itemId;
        QCOMPARE(window_->selection()->conceptId(), otherId);
        QVERIFY(atlas->card(otherId)->styleSheet().contains(QStringLiteral("border")));
        QVERIFY(atlas->card(picked)->styleSheet().isEmpty());
    }

    void aFileThatIsNotAProjectShowsADialog() {
        QVERIFY(window_->openProject(projectPath_));
        const QString text = dir_.filePath(QStringLiteral("notes.cstudio"));
        QFile file(text);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("these are notes, not a project\n");
        file.close();
        QVERIFY(!window_->openProject(text));
        QMessageBox* box = window_->lastErrorDialog();
        QVERIFY(box && box->isVisible());
        QVERIFY2(box->text().contains(text) && box->text().contains(QStringLiteral("not a ConceptStudio project")),
                 qPrintable(box->text()));
        // The project that was open stays open.
        QCOMPARE(window_->session()->path(), QFileInfo(projectPath_).absoluteFilePath());
        closeDialog(*window_);
    }

    void aNewerSchemaShowsADialog() {
        const QString newer = dir_.filePath(QStringLiteral("newer.cstudio"));
        QVERIFY(QFile::copy(projectPath_, newer));
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open(newer.toUtf8().constData(), &db), SQLITE_OK);
        QCOMPARE(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
        QVERIFY(!window_->openProject(newer));
        QVERIFY(window_->lastErrorDialog());
        QVERIFY2(window_->lastErrorDialog()->text().contains(QStringLiteral("newer")),
                 qPrintable(window_->lastErrorDialog()->text()));
        QVERIFY(!window_->session()->isOpen());
        closeDialog(*window_);
    }

    void aDamagedProjectShowsADialog() {
        // A valid SQLite header followed by garbage: looks like a database, is not one.
        const QString damaged = dir_.filePath(QStringLiteral("damaged.cstudio"));
        QFile file(damaged);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QByteArray bytes("SQLite format 3", 16);
        bytes.append(QByteArray(8192, '\xA5'));
        file.write(bytes);
        file.close();
        QVERIFY(!window_->openProject(damaged));
        QVERIFY(window_->lastErrorDialog());
        QVERIFY2(window_->lastErrorDialog()->text().startsWith(damaged),
                 qPrintable(window_->lastErrorDialog()->text()));
        closeDialog(*window_);
        // A missing file too.
        QVERIFY(!window_->openProject(dir_.filePath(QStringLiteral("missing.cstudio"))));
        QVERIFY(window_->lastErrorDialog()->text().contains(QStringLiteral("missing.cstudio")));
        closeDialog(*window_);
    }

    void demoProjectComesFromTheDemoDir() {
        StudioOptions options;
        options.demoDir = dir_.filePath(QStringLiteral("demo"));
        StudioWindow window(options);
        window.show();
        QCOMPARE(window.demoProjectPath(), dir_.filePath(QStringLiteral("demo/demo.cstudio")));
        QVERIFY(!window.openDemoProject());  // not there yet: a dialog says how to make it
        QVERIFY(window.lastErrorDialog()->text().contains(QStringLiteral("concept-studio-cli demo --out")));
        closeDialog(window);
        QVERIFY(QDir().mkpath(options.demoDir));
        QVERIFY(QFile::copy(projectPath_, window.demoProjectPath()));
        QVERIFY(window.openDemoProject());
        QCOMPARE(window.session()->displayName(), QStringLiteral("demo.cstudio"));
    }

    void jobProgressShowsAndCancelStopsIt() {
        std::atomic<bool> sawCancel{false};
        auto job = std::make_unique<cs::jobs::FunctionJob>("test", [&](cs::jobs::JobContext& context) {
            for (int step = 0; step < 2000; ++step) {
                context.report("working", step / 2000.0, "step " + std::to_string(step));
                if (context.cancelled()) sawCancel = true;
                context.checkCancelled();
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        });
        const quint64 id = window_->jobs()->submit(std::move(job), QStringLiteral("Long job"));
        RunPanel* panel = window_->runPanel();
        QTRY_VERIFY(panel->progressBar(id) && panel->progressBar(id)->value() > 0);
        QVERIFY(panel->stageText(id).startsWith(QStringLiteral("working")));
        QToolButton* cancel = panel->cancelButton(id);
        QVERIFY(cancel && cancel->isEnabled());
        QElapsedTimer clock;
        clock.start();
        QTest::mouseClick(cancel, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(window_->jobs()->status(id)->state, cs::jobs::JobState::Cancelled, 3000);
        QVERIFY(clock.elapsed() < 1500);  // docs/architecture.md: cancel takes effect within a second
        QVERIFY(sawCancel);
        QVERIFY(!cancel->isEnabled());
        QVERIFY(window_->lastErrorDialog() == nullptr);  // a cancel is not an error
        panel->clearFinished();
        QCOMPARE(panel->rowCount(), 0);
    }

    void aFailingJobShowsItsMessage() {
        auto job = std::make_unique<cs::jobs::FunctionJob>("bad", [](cs::jobs::JobContext&) {
            throw cs::Error("/models/broken.pt", "not a TorchScript archive");
        });
        const quint64 id = window_->jobs()->submit(std::move(job), QStringLiteral("Broken job"));
        QTRY_COMPARE(window_->jobs()->status(id)->state, cs::jobs::JobState::Failed);
        QTRY_VERIFY(window_->lastErrorDialog() != nullptr);
        QVERIFY2(window_->lastErrorDialog()->text().contains(QStringLiteral("/models/broken.pt: not a TorchScript archive")),
                 qPrintable(window_->lastErrorDialog()->text()));
        QVERIFY(window_->runPanel()->stageText(id).contains(QStringLiteral("not a TorchScript archive")));
        closeDialog(*window_);
    }

    void themesSwitch() {
        window_->setTheme(Theme::Dark);
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 100);
        window_->setTheme(Theme::Light);
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() > 180);
    }

private:
    QTemporaryDir dir_;
    QString projectPath_;
    cs::test::FixtureRuns runs_;
    StudioWindow* window_ = nullptr;
};

CS_GUI_TEST_MAIN(TestStudioWindow)

#include "test_studio_window.moc"
