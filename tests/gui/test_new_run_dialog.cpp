// The New Run dialog validates its input (naming the missing file), recognises dropped files,
// fills and reads a run spec, and the window turns an accepted spec into an engine job whose
// results the explorer shows; a launcher that refuses the spec ends in a dialog.
#include "services/job_monitor.h"
#include "services/project_session.h"
#include "app/studio_window.h"
#include "common/error.h"
#include "dialogs/new_run_dialog.h"
#include "gui_test_main.h"
#include "panels/project_explorer.h"
#include "services/selection_model.h"
#include "fixture_project.h"
#include "views/sae_dashboard.h"
#include "store/project_store.h"
#include "vtk/vtk_view_widget.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace cs::ui;

class TestNewRunDialog : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        model_ = dir_.filePath(QStringLiteral("model.pt"));
        QFile f(model_);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not really a model");
        f.close();
        QVERIFY(QDir(dir_.path()).mkdir(QStringLiteral("images")));
        interactions_ = dir_.filePath(QStringLiteral("ratings.dat"));
        QFile g(interactions_);
        QVERIFY(g.open(QIODevice::WriteOnly));
        g.write("1::2::5::978300760\n");
        g.close();
    }

    void validatesAndNamesWhatIsMissing() {
        NewRunDialog dialog(QStringLiteral("/tmp/p.cstudio"));
        dialog.setKind(RunSpec::Kind::Craft);
        QVERIFY(dialog.validate().contains(QStringLiteral("model")));
        dialog.modelEdit()->setText(dir_.filePath(QStringLiteral("missing.pt")));
        QVERIFY2(dialog.validate().startsWith(dir_.filePath(QStringLiteral("missing.pt"))), qPrintable(dialog.validate()));
        dialog.modelEdit()->setText(model_);
        QVERIFY(dialog.validate().contains(QStringLiteral("images")));
        dialog.imagesEdit()->setText(dir_.filePath(QStringLiteral("images")));
        QVERIFY(dialog.validate().contains(QStringLiteral("class")));
        dialog.classEdit()->setText(QStringLiteral("Sneaker"));
        QVERIFY(dialog.validate().contains(QStringLiteral("layer")));
        dialog.layerEdit()->setText(QStringLiteral("features.6"));
        QCOMPARE(dialog.validate(), QString());
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        dialog.grab().save(QStringLiteral(CS_TEST_TMP "/new_run_dialog.png"));  // for the user guide
        const RunSpec r = dialog.spec();
        QCOMPARE(int(r.craft.options.concepts), 10);
        QCOMPARE(int(r.craft.options.patchSize), 64);
        QCOMPARE(int(r.craft.options.sobolDesigns), 32);
        QCOMPARE(r.projectPath(), QStringLiteral("/tmp/p.cstudio"));
        // Every parameter explains itself.
        for (QSpinBox* box : dialog.findChildren<QSpinBox*>()) QVERIFY(!box->toolTip().isEmpty());
        dialog.setKind(RunSpec::Kind::RecSae);
        QVERIFY(dialog.validate().contains(QStringLiteral("interaction")));
        dialog.interactionsEdit()->setText(interactions_);
        dialog.grab().save(QStringLiteral(CS_TEST_TMP "/new_run_dialog_recsae.png"));
        QCOMPARE(dialog.validate(), QString());
        QCOMPARE(int(dialog.spec().recsae.sae.expansion), 32);
        QCOMPARE(int(dialog.spec().recsae.sae.k), 32);
    }

    void theFormShowsASpecAndGivesItBack() {
        NewRunDialog dialog(QStringLiteral("/tmp/p.cstudio"));
        RunSpec spec;
        spec.kind = RunSpec::Kind::Craft;
        spec.craft.modelPath = model_.toStdString();
        spec.craft.adapter = "torchvision";
        spec.craft.imagesPath = dir_.filePath(QStringLiteral("images")).toStdString();
        spec.craft.classSpec = "7";
        spec.craft.options.layer = "layer4";
        spec.craft.options.concepts = 6;
        spec.craft.options.patchSize = 32;
        spec.craft.options.sobolDesigns = 16;
        spec.craft.options.recursiveLayers = {"layer3", "layer2"};
        spec.craft.maxImages = 50;
        spec.craft.options.seed = 4;
        dialog.setSpec(spec);
        const RunSpec back = dialog.spec();
        QCOMPARE(back.kind, RunSpec::Kind::Craft);
        QCOMPARE(back.craft.modelPath, spec.craft.modelPath);
        QCOMPARE(back.craft.adapter, spec.craft.adapter);
        QCOMPARE(back.craft.imagesPath, spec.craft.imagesPath);
        QCOMPARE(back.craft.classSpec, spec.craft.classSpec);
        QCOMPARE(back.craft.options.layer, spec.craft.options.layer);
        QCOMPARE(int(back.craft.options.concepts), 6);
        QCOMPARE(int(back.craft.options.patchSize), 32);
        QCOMPARE(int(back.craft.options.sobolDesigns), 16);
        QVERIFY(back.craft.options.recursiveLayers == spec.craft.options.recursiveLayers);
        QCOMPARE(int(back.craft.maxImages), 50);
        QCOMPARE(int(back.craft.options.seed), 4);
        QCOMPARE(back.recsae.sae.seed, uint64_t(4));  // one seed for both kinds
        QCOMPARE(back.projectPath(), QStringLiteral("/tmp/p.cstudio"));
    }

    void droppedFilesLandInTheRightField() {
        NewRunDialog dialog(QStringLiteral("/tmp/p.cstudio"));
        QCOMPARE(dialog.acceptDroppedPath(model_), QStringLiteral("model"));
        QCOMPARE(dialog.modelEdit()->text(), model_);
        QCOMPARE(dialog.acceptDroppedPath(dir_.filePath(QStringLiteral("images"))), QStringLiteral("images"));
        QCOMPARE(dialog.spec().kind, RunSpec::Kind::Craft);
        QCOMPARE(dialog.acceptDroppedPath(interactions_), QStringLiteral("interactions"));
        QCOMPARE(dialog.spec().kind, RunSpec::Kind::RecSae);
        QCOMPARE(dialog.acceptDroppedPath(dir_.filePath(QStringLiteral("notes.odt"))), QString());
    }

    void anAcceptedRunIsQueuedAndItsResultsAppear() {
        const QString project = dir_.filePath(QStringLiteral("runs.cstudio"));
        StudioWindow window;
        window.show();
        QVERIFY(window.newProject(project));
        // A launcher standing in for an engine: writes a finished run through its own connection
        // on the engine thread, as CraftJob does.
        RunSpec seen;
        window.setRunLauncher([&seen](const RunSpec& spec) -> std::unique_ptr<cs::jobs::Job> {
            seen = spec;
            const std::string path = spec.craft.projectPath;
            return std::make_unique<cs::jobs::FunctionJob>("fake", [path](cs::jobs::JobContext& context) {
                auto store = cs::store::ProjectStore::open(path);
                const int64_t run = store->createRun("craft", "{\"class\":\"Sneaker\"}");
                store->markRunning(run);
                context.report("activations", 0.5);
                store->completeRun(run, "{}", [] {});
            });
        });
        NewRunDialog* dialog = window.showNewRunDialog();
        QVERIFY(dialog);
        dialog->modelEdit()->setText(model_);
        dialog->imagesEdit()->setText(dir_.filePath(QStringLiteral("images")));
        dialog->classEdit()->setText(QStringLiteral("Sneaker"));
        dialog->layerEdit()->setText(QStringLiteral("features.6"));
        dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
        QCOMPARE(QString::fromStdString(seen.craft.classSpec), QStringLiteral("Sneaker"));
        QCOMPARE(seen.projectPath(), QFileInfo(project).absoluteFilePath());
        QTRY_COMPARE(window.jobs()->activeCount(), 0);
        // The finished job reloads the explorer from the store: the run is there, done.
        QTRY_COMPARE(window.explorer()->tree()->topLevelItem(2)->childCount(), 1);
        QCOMPARE(window.explorer()->tree()->topLevelItem(2)->child(0)->text(1), QStringLiteral("done"));
        QVERIFY(window.lastErrorDialog() == nullptr);
    }

    void aRefusedRequestShowsADialog() {
        StudioWindow window;
        window.show();
        RunSpec spec;
        QCOMPARE(window.startRun(spec), quint64(0));  // no launcher: says the build has no engine
        QVERIFY(window.lastErrorDialog()->text().contains(QStringLiteral("no analysis engine")));
        window.lastErrorDialog()->accept();
        window.setRunLauncher([](const RunSpec&) -> std::unique_ptr<cs::jobs::Job> {
            throw cs::Error("/m/model.pt", "the model has no method 'activations'");
        });
        QCOMPARE(window.startRun(spec), quint64(0));
        QTRY_VERIFY(window.lastErrorDialog() != nullptr);
        QVERIFY(window.lastErrorDialog()->text().contains(QStringLiteral("/m/model.pt: the model has no method")));
        // Without a project, New Run asks for one first.
        QVERIFY(window.showNewRunDialog() == nullptr);
    }

    void ablationRunsAJobAndShowsItsResult() {
        const QString project = dir_.filePath(QStringLiteral("sae.cstudio"));
        const auto runs = cs::test::buildFixtureProject(project);
        StudioWindow window;
        window.show();
        QVERIFY(window.openProject(project));
        auto* sae = window.findChild<SaeDashboard*>();
        QVERIFY(sae);
        QVERIFY(!sae->ablateButton()->isEnabled());  // no engine linked yet
        AblationRequest seen;
        window.setAblationLauncher([&seen](const AblationRequest& request) {
            seen = request;
            LaunchedJob launched;
            launched.job = std::make_unique<cs::jobs::FunctionJob>("ablation", [](cs::jobs::JobContext&) {});
            launched.resultJson = [] {
                return QStringLiteral("{\"latent\": 5, \"scale\": 0, \"users\": 12, \"top_n\": 10, \"mean_overlap\": 0.7,"
                                      "\"tags_rose\": [{\"tag\": \"Comedy\", \"delta\": 0.2}], \"tags_fell\": [{\"tag\": \"Sci-Fi\", \"delta\": -0.3}],"
                                      "\"examples\": [{\"user\": 3, \"before\": [1, 2], \"after\": [2, 9]}]}");
            };
            return launched;
        });
        window.selection()->setRun(runs.sae);
        // The dashboard opens on its most confident latent, so ablation is offered at once.
        QVERIFY(sae->selectedLatentIndex() >= 0);
        QVERIFY(sae->ablateButton()->isEnabled());
        qint64 latentRow = 0;
        for (const auto& latent : window.session()->store()->latents(runs.sae))
            if (latent.index == 5) latentRow = latent.id;
        window.selection()->setConcept(latentRow);
        QCOMPARE(sae->selectedLatentIndex(), 5);
        QVERIFY(sae->ablateButton()->isEnabled());
        QTest::mouseClick(sae->ablateButton(), Qt::LeftButton);
        QCOMPARE(seen.latent, 5);
        QCOMPARE(seen.runId, runs.sae);
        QTRY_VERIFY(sae->ablationText().contains(QStringLiteral("Rose: Comedy")));
        QVERIFY(sae->ablationText().contains(QStringLiteral("Fell: Sci-Fi")));
        QVERIFY(sae->ablationText().contains(QStringLiteral("70%")));
    }

private:
    QTemporaryDir dir_;
    QString model_, interactions_;
};

CS_GUI_TEST_MAIN(TestNewRunDialog)

#include "test_new_run_dialog.moc"
