// The SAE dashboard's ablation/steering panel in the default build (no engine linked): the
// Run button starts `concept-studio-cli ablate` as a job on a real small RecSAE project, and
// when it finishes the panel shows each user's list before and after and the tags that rose and
// fell; the result is stored in the project. A refused ablation ends in a dialog with the CLI's
// message. A RecSAE run started from the New Run dialog goes through the CLI and ends, done, in
// the explorer.
#include "services/cli_run_job.h"
#include "services/job_monitor.h"
#include "services/project_session.h"
#include "services/selection_model.h"
#include "app/studio_window.h"
#include "dialogs/new_run_dialog.h"
#include "gui_test_main.h"
#include "panels/project_explorer.h"
#include "store/project_store.h"
#include "views/sae_dashboard.h"
#include "vtk/vtk_view_widget.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace cs::ui;

namespace {
QString errorText(const StudioWindow& window) { return window.lastErrorDialog() ? window.lastErrorDialog()->text() : QString(); }
}  // namespace

class TestSaeAblation : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QVERIFY2(QFileInfo(QStringLiteral(CS_CLI_PATH)).isExecutable(), CS_CLI_PATH);
        // The GUI cannot link LibTorch: the make_small_recsae_project tool builds the project
        // (SASRec + RecSAE, seconds).
        QProcess tool;
        tool.start(QStringLiteral(CS_RECSAE_TOOL), {dir_.filePath(QStringLiteral("small"))});
        QVERIFY(tool.waitForFinished(120000));
        QVERIFY2(tool.exitCode() == 0, tool.readAllStandardError().constData());
        const QJsonObject out = QJsonDocument::fromJson(tool.readAllStandardOutput().trimmed()).object();
        project_ = out.value(QLatin1String("project")).toString();
        runId_ = out.value(QLatin1String("run_id")).toInteger();
        model_ = out.value(QLatin1String("model")).toString();
        interactions_ = out.value(QLatin1String("interactions")).toString();
        itemMeta_ = out.value(QLatin1String("item_meta")).toString();
        QVERIFY(QFileInfo::exists(project_));
        QVERIFY(runId_ > 0);
        // The latent with the most activations, so the lists change.
        auto store = cs::store::ProjectStore::open(project_.toStdString(), true);
        double best = -1;
        for (const auto& latent : store->latents(runId_))
            if (latent.frequency > best) {
                best = latent.frequency;
                latentRow_ = latent.id;
                latentIndex_ = int(latent.index);
            }
        QVERIFY(latentRow_ > 0);
    }

    void argumentsFollowTheCliOptions() {
        AblationRequest r;
        r.projectPath = QStringLiteral("/p/x.cstudio");
        r.runId = 4;
        r.latent = 17;
        r.scale = 2.5;
        r.topN = 7;
        const QStringList args = cliArguments(r, QStringLiteral("/tmp/out.json"));
        QCOMPARE(args.first(), QStringLiteral("ablate"));
        const auto value = [&](const char* option) { return args.at(args.indexOf(QString::fromLatin1(option)) + 1); };
        QCOMPARE(value("--project"), QStringLiteral("/p/x.cstudio"));
        QCOMPARE(value("--run"), QStringLiteral("4"));
        QCOMPARE(value("--latent"), QStringLiteral("17"));
        QCOMPARE(value("--scale"), QStringLiteral("2.5"));
        QCOMPARE(value("--top-n"), QStringLiteral("7"));
        QCOMPARE(value("--json"), QStringLiteral("/tmp/out.json"));
    }

    void theAblationPanelRunsTheCliAndShowsBeforeAndAfter() {
        StudioWindow window;
        window.resize(1500, 950);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openProject(project_));
        window.setAblationLauncher(makeCliAblationLauncher(QStringLiteral(CS_CLI_PATH)));
        auto* sae = window.findChild<SaeDashboard*>();
        QVERIFY(sae);
        QVERIFY(window.showView(QStringLiteral("sae")));
        window.selection()->setRun(runId_);
        window.selection()->setConcept(latentRow_);
        QCOMPARE(sae->selectedLatentIndex(), latentIndex_);
        QVERIFY(sae->ablateButton()->isEnabled());  // enabled without an engine in the process
        sae->findChild<QDoubleSpinBox*>()->setValue(0.0);
        QTest::mouseClick(sae->ablateButton(), Qt::LeftButton);
        QCOMPARE(window.jobs()->activeCount(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->activeCount() == 0, 90000);
        QVERIFY2(window.lastErrorDialog() == nullptr, qPrintable(errorText(window)));
        const QString text = sae->ablationText();
        QVERIFY2(text.contains(QStringLiteral("Latent %1").arg(latentIndex_)), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("before")) && text.contains(QStringLiteral("after")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("Rose:")) && text.contains(QStringLiteral("Fell:")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("User ")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("The ")), qPrintable(text));  // item titles from the run's metadata

        // Stored in the project, so selecting the latent again shows it without a rerun.
        {
            auto store = cs::store::ProjectStore::open(project_.toStdString(), true);
            QVERIFY(store->artifact(runId_, cs::store::ArtifactKind::Ablation, "latent_" + std::to_string(latentIndex_)).has_value());
        }
        sae->findChild<QDoubleSpinBox*>()->setValue(3.0);
        window.selection()->setConcept(0);
        window.selection()->setConcept(latentRow_);
        QVERIFY(sae->ablationText().contains(QStringLiteral("before")));
        QCOMPARE(sae->findChild<QDoubleSpinBox*>()->value(), 0.0);  // the scale of the stored result shown

        QTest::qWait(300);
        const QPixmap shot = window.grab();
        QVERIFY(shot.save(QStringLiteral(CS_TEST_TMP "/sae_ablation_window.png")));
        QVERIFY(sae->grab().save(QStringLiteral(CS_TEST_TMP "/sae_ablation_panel.png")));
    }

    void steeringThroughThePanelIsStoredApart() {
        StudioWindow window;
        window.show();
        QVERIFY(window.openProject(project_));
        window.setAblationLauncher(makeCliAblationLauncher(QStringLiteral(CS_CLI_PATH)));
        auto* sae = window.findChild<SaeDashboard*>();
        window.selection()->setRun(runId_);
        window.selection()->setConcept(latentRow_);
        sae->findChild<QDoubleSpinBox*>()->setValue(2.0);
        QTest::mouseClick(sae->ablateButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->activeCount() == 0, 90000);
        QVERIFY(window.lastErrorDialog() == nullptr);
        QVERIFY2(sae->ablationText().contains(QStringLiteral("× 2")), qPrintable(sae->ablationText()));
        auto store = cs::store::ProjectStore::open(project_.toStdString(), true);
        QVERIFY(store->artifact(runId_, cs::store::ArtifactKind::Steering, "latent_" + std::to_string(latentIndex_)).has_value());
    }

    void aRefusedAblationShowsTheCliMessageInADialog() {
        StudioWindow window;
        window.show();
        QVERIFY(window.openProject(project_));
        window.setAblationLauncher(makeCliAblationLauncher(QStringLiteral(CS_CLI_PATH)));
        AblationRequest request;
        request.projectPath = project_;
        request.runId = runId_ + 100;  // no such run
        request.latent = 0;
        QVERIFY(window.startAblation(request) != 0);
        QTRY_VERIFY_WITH_TIMEOUT(window.lastErrorDialog() != nullptr, 60000);
        const QString message = window.lastErrorDialog()->text();
        QVERIFY2(message.contains(QStringLiteral("no run %1").arg(runId_ + 100)), qPrintable(message));
        QVERIFY2(message.contains(project_), qPrintable(message));
        window.lastErrorDialog()->accept();

        // No CLI at all: a dialog at once, no job.
        window.setAblationLauncher(makeCliAblationLauncher(dir_.filePath(QStringLiteral("no-such-dir/x"))));
        request.runId = runId_;
        // An explicit path that does not exist is passed on; the job then fails to start the CLI.
        const quint64 id = window.startAblation(request);
        if (id != 0) QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->activeCount() == 0, 30000);
        QTRY_VERIFY(window.lastErrorDialog() != nullptr);
    }

    void aRecSaeRunFromTheNewRunDialogFinishesInTheExplorer() {
        const QString project = dir_.filePath(QStringLiteral("newrun.cstudio"));
        StudioWindow window;
        window.resize(1200, 800);
        window.show();
        QVERIFY(window.newProject(project));
        window.setRunLauncher(makeCliRunLauncher(QStringLiteral(CS_CLI_PATH)));
        NewRunDialog* dialog = window.showNewRunDialog();
        QVERIFY(dialog);
        dialog->setKind(RunSpec::Kind::RecSae);
        dialog->interactionsEdit()->setText(interactions_);
        dialog->modelEdit()->setText(model_);
        dialog->findChild<QLineEdit*>(QStringLiteral("itemMetaPath"))->setText(itemMeta_);
        dialog->findChild<QSpinBox*>(QStringLiteral("expansion"))->setValue(4);
        dialog->findChild<QSpinBox*>(QStringLiteral("k"))->setValue(4);
        dialog->findChild<QSpinBox*>(QStringLiteral("saeEpochs"))->setValue(2);
        QCOMPARE(dialog->validate(), QString());
        dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
        QTRY_COMPARE_WITH_TIMEOUT(window.jobs()->activeCount(), 0, 120000);
        QVERIFY2(window.lastErrorDialog() == nullptr, qPrintable(errorText(window)));
        QTRY_COMPARE(window.explorer()->tree()->topLevelItem(2)->childCount(), 1);
        QCOMPARE(window.explorer()->tree()->topLevelItem(2)->child(0)->text(1), QStringLiteral("done"));
        auto store = cs::store::ProjectStore::open(project.toStdString(), true);
        const auto runs = store->runs();
        QCOMPARE(int(runs.size()), 1);
        QCOMPARE(QString::fromStdString(runs.front().kind), QStringLiteral("recsae"));
        QVERIFY(!store->latents(runs.front().id).empty());
    }

    // "Your item concept": a tag of the run's item metadata finds latents through `concept-studio-cli
    // user-concept`; "Steer with it" selects the chosen latent and steers with it (scale 2 from 0).
    void aUserItemConceptFindsLatentsReadyToSteer() {
        // A tag a latent of the run carries, so some latent must fire for its items.
        QString tag;
        {
            auto store = cs::store::ProjectStore::open(project_.toStdString(), true);
            for (const auto& latent : store->latents(runId_)) {
                const QJsonArray tags = QJsonDocument::fromJson(QByteArray::fromStdString(latent.tagsJson)).array();
                if (tags.isEmpty()) continue;
                tag = tags.first().isObject() ? tags.first().toObject().value(QStringLiteral("tag")).toString() : tags.first().toString();
                if (!tag.isEmpty()) break;
            }
        }
        QVERIFY2(!tag.isEmpty(), "the small project's latents carry tags");
        UserConceptRequest request;
        request.projectPath = project_;
        request.runId = runId_;
        request.itemIds = {QStringLiteral("3"), QStringLiteral("B07")};
        const QStringList items = cliArguments(request, QStringLiteral("/tmp/u.json"));
        QCOMPARE(items.mid(0, 5), (QStringList{"user-concept", "--project", project_, "--run", QString::number(runId_)}));
        QCOMPARE(items.at(items.indexOf(QStringLiteral("--items")) + 1), QStringLiteral("3,B07"));

        StudioWindow window;
        window.resize(1500, 950);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openProject(project_));
        window.setAblationLauncher(makeCliAblationLauncher(QStringLiteral(CS_CLI_PATH)));
        window.setUserConceptLauncher(makeCliUserConceptLauncher(QStringLiteral(CS_CLI_PATH)));
        auto* sae = window.findChild<SaeDashboard*>();
        QVERIFY(window.showView(QStringLiteral("sae")));
        window.selection()->setRun(runId_);
        sae->userConceptEdit()->setText(tag);
        QTest::keyClick(sae->userConceptEdit(), Qt::Key_Return);
        QCOMPARE(window.jobs()->activeCount(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->activeCount() == 0, 90000);
        QVERIFY2(window.lastErrorDialog() == nullptr, qPrintable(errorText(window)));
        QTableWidget* found = sae->userConceptTable();
        QVERIFY(found->isVisible());
        QVERIFY(found->rowCount() > 0);
        const int latent = found->item(0, 0)->text().toInt();
        const double f1 = found->item(0, 1)->text().toDouble();
        QVERIFY2(f1 > 0.0, qPrintable(found->item(0, 1)->text()));
        // Listed best first.
        for (int row = 1; row < found->rowCount(); ++row) QVERIFY(found->item(row, 1)->text().toDouble() <= f1 + 1e-9);

        sae->findChild<QDoubleSpinBox*>()->setValue(0.0);
        QTest::mouseClick(sae->steerButton(), Qt::LeftButton);
        QCOMPARE(sae->selectedLatentIndex(), latent);
        QCOMPARE(sae->findChild<QDoubleSpinBox*>()->value(), 2.0);
        QCOMPARE(window.jobs()->activeCount(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->activeCount() == 0, 90000);
        QVERIFY2(window.lastErrorDialog() == nullptr, qPrintable(errorText(window)));
        QVERIFY2(sae->ablationText().contains(QStringLiteral("Latent %1").arg(latent)), qPrintable(sae->ablationText()));
        {
            auto store = cs::store::ProjectStore::open(project_.toStdString(), true);
            QVERIFY(store->artifact(runId_, cs::store::ArtifactKind::Steering, "latent_" + std::to_string(latent)).has_value());
        }
        QVERIFY(sae->grab().save(QStringLiteral(CS_TEST_TMP "/sae_user_concept.png")));

        // A tag the metadata does not have: the CLI's message, in the panel.
        sae->userConceptEdit()->setText(QStringLiteral("no-such-tag-anywhere"));
        QTest::mouseClick(sae->findChild<QPushButton*>(QStringLiteral("findLatentsButton")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->activeCount() == 0, 90000);
        QVERIFY(!found->isVisible());
    }

private:
    QTemporaryDir dir_;
    QString project_, model_, interactions_, itemMeta_;
    qint64 runId_ = 0, latentRow_ = 0;
    int latentIndex_ = -1;
};

CS_GUI_TEST_MAIN(TestSaeAblation)

#include "test_sae_ablation.moc"
