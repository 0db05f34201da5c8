// Methods side by side (docs/craft.md "Comparing methods"): the New Run dialog turns several
// ticked dictionaries or importance estimators into one comparison; the studio runs it as one job
// through concept-studio-cli on a tiny exported model; when it ends the Methods view shows the
// group: a row of metrics per run, a point per run on the sparsity–fidelity plane with the Pareto
// front, the C-Deletion and C-Insertion curves, and the concept matching of two of its runs, a
// pair opening both concepts' crops and maps side by side.
#include "app/studio_window.h"
#include "cli_fixture.h"
#include "craft/craft_spec.h"
#include "dialogs/new_run_dialog.h"
#include "gui_test_main.h"
#include "services/cli_run_job.h"
#include "services/job_monitor.h"
#include "store/project_store.h"
#include "views/compare_view.h"
#include "views/method_plots.h"
#include "views/methods_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace cs::ui;

namespace {

QCheckBox* checkNamed(const QList<QCheckBox*>& checks, const QString& name) {
    for (QCheckBox* check : checks)
        if (check->objectName() == name) return check;
    return nullptr;
}

QString valueAfter(const std::vector<std::string>& arguments, const std::string& option) {
    for (size_t i = 0; i + 1 < arguments.size(); ++i)
        if (arguments[i] == option) return QString::fromStdString(arguments[i + 1]);
    return {};
}

// The points no other point beats on both axes, by the definition.
QList<qint64> undominatedRuns(const QList<MethodPoint>& points) {
    QList<qint64> runs;
    for (const auto& p : points) {
        bool dominated = false;
        for (const auto& q : points)
            dominated = dominated || (q.l0 <= p.l0 && q.error <= p.error && (q.l0 < p.l0 || q.error < p.error));
        if (!dominated) runs << p.runId;
    }
    std::sort(runs.begin(), runs.end());
    return runs;
}

}  // namespace

class TestMethodsView : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        model_ = dir_.filePath(QStringLiteral("tiny_split.pt"));
        const QString problem = cs::testing::exportTinySplitModel(model_);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        images_ = dir_.filePath(QStringLiteral("t10k-images-idx3-ubyte"));
        QVERIFY(cs::testing::writeTinyIdx(images_, dir_.filePath(QStringLiteral("t10k-labels-idx1-ubyte")), 24));
    }

    void tickedMethodsMakeAComparison() {
        NewRunDialog dialog(dir_.filePath(QStringLiteral("dialog.cstudio")));
        dialog.show();
        dialog.modelEdit()->setText(model_);
        dialog.imagesEdit()->setText(images_);
        dialog.classEdit()->setText(QStringLiteral("class1"));
        dialog.layerEdit()->setText(QStringLiteral("block2"));
        // CRAFT's own methods by default: one run, no lists.
        QVERIFY(checkNamed(dialog.dictionaryChecks(), QStringLiteral("nmf"))->isChecked());
        QVERIFY(checkNamed(dialog.importanceChecks(), QStringLiteral("sobol"))->isChecked());
        RunSpec one = dialog.spec();
        QVERIFY(one.craft.dictionaries.empty() && one.craft.importances.empty());
        QCOMPARE(cs::craft::methodPairs(one.craft).size(), size_t(1));
        QVERIFY(!one.craft.options.dictionaryGiven);  // a signed layer may still turn NMF into Semi-NMF

        // click() as a user's click does (the boxes may be scrolled out of the dialog's view).
        checkNamed(dialog.dictionaryChecks(), QStringLiteral("pca"))->click();
        checkNamed(dialog.importanceChecks(), QStringLiteral("gradient-input"))->click();
        const RunSpec compared = dialog.spec();
        QCOMPARE(cs::craft::methodPairs(compared.craft).size(), size_t(4));
        QVERIFY(!compared.isSweep());
        const auto arguments = cs::craft::toCliArguments(compared.craft);
        QCOMPARE(valueAfter(arguments, "--dictionary"), QStringLiteral("nmf,pca"));
        QCOMPARE(valueAfter(arguments, "--importance"), QStringLiteral("sobol,gradient-input"));
        QVERIFY2(dialog.findChild<QLabel*>() != nullptr, "the dialog has its note");
        bool noted = false;
        for (QLabel* label : dialog.findChildren<QLabel*>()) noted = noted || label->text().startsWith(QStringLiteral("A method comparison: 4 runs"));
        QVERIFY(noted);

        // The dialog reads back what it wrote.
        NewRunDialog again(dir_.filePath(QStringLiteral("dialog.cstudio")));
        again.setSpec(compared);
        QVERIFY(checkNamed(again.dictionaryChecks(), QStringLiteral("pca"))->isChecked());
        QVERIFY(checkNamed(again.importanceChecks(), QStringLiteral("gradient-input"))->isChecked());
        QVERIFY(!checkNamed(again.importanceChecks(), QStringLiteral("rise"))->isChecked());

        for (QCheckBox* check : dialog.dictionaryChecks()) check->setChecked(false);
        QVERIFY2(dialog.validate().contains(QStringLiteral("Tick at least one dictionary")), qPrintable(dialog.validate()));
    }

    void aComparisonIsOneJobShownInTheMethodsView() {
        const QString project = dir_.filePath(QStringLiteral("methods.cstudio"));
        StudioWindow window;
        window.resize(1400, 950);
        window.show();
        QVERIFY(window.newProject(project));
        window.setRunLauncher(makeCliRunLauncher(QStringLiteral(CS_CLI_PATH)));

        RunSpec spec;
        spec.kind = RunSpec::Kind::Craft;
        spec.craft.projectPath = project.toStdString();
        spec.craft.modelPath = model_.toStdString();
        spec.craft.imagesPath = images_.toStdString();
        spec.craft.classSpec = "class1";
        spec.craft.options.layer = "block2";
        spec.craft.options.concepts = 3;
        spec.craft.options.patchSize = 16;
        spec.craft.options.sobolDesigns = 16;
        spec.craft.options.mapImages = 2;
        spec.craft.dictionaries = {cs::craft::ConceptDictionaryMethod::Nmf, cs::craft::ConceptDictionaryMethod::Pca};
        spec.craft.importances = {cs::craft::ConceptImportanceMethod::GradientInput, cs::craft::ConceptImportanceMethod::Occlusion};
        const quint64 id = window.startRun(spec);
        QVERIFY(id != 0);
        QCOMPARE(window.jobs()->activeCount(), 1);  // one job for the four runs
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->activeCount() == 0, 300000);
        const JobStatus* status = window.jobs()->status(id);
        QVERIFY2(status->state == cs::jobs::JobState::Done, qPrintable(status->error));

        // The Methods view opened by itself on the new group.
        auto* view = window.findChild<MethodsView*>();
        QVERIFY(view);
        auto* tabs = window.findChild<QTabWidget*>();
        QCOMPARE(tabs->currentWidget(), static_cast<QWidget*>(view));
        QCOMPARE(view->runIds().size(), 4);
        QTableWidget* table = view->table();
        QCOMPARE(table->rowCount(), 4);
        QStringList methods;
        for (int row = 0; row < 4; ++row) methods << table->item(row, 1)->text() + QLatin1Char('/') + table->item(row, 2)->text();
        methods.sort();
        QCOMPARE(methods, (QStringList{"nmf/gradient-input", "nmf/occlusion", "pca/gradient-input", "pca/occlusion"}));

        // One point per run; the front is exactly the undominated points.
        const auto& points = view->tradeOffPlot()->points();
        QCOMPARE(points.size(), 4);
        QList<qint64> front;
        for (size_t i : view->tradeOffPlot()->front()) front << points[int(i)].runId;
        std::sort(front.begin(), front.end());
        QCOMPARE(front, undominatedRuns(points));
        // NMF's codes are sparser than PCA's dense ones.
        double nmfL0 = 0, pcaL0 = 0;
        for (const auto& p : points) (p.label.contains(QStringLiteral("nmf")) ? nmfL0 : pcaL0) = p.l0;
        QVERIFY2(nmfL0 < pcaL0, qPrintable(QStringLiteral("%1 vs %2").arg(nmfL0).arg(pcaL0)));
        // Curves over j = 0..r concepts, one per run.
        QCOMPARE(view->deletionPlot()->curves().size(), 4);
        QCOMPARE(view->insertionPlot()->curves().size(), 4);
        for (const auto& curve : view->deletionPlot()->curves()) QCOMPARE(curve.values.size(), size_t(4));

        // A click on a point selects its run's row.
        const int target = 2;
        QTest::mouseClick(view->tradeOffPlot(), Qt::LeftButton, {}, view->tradeOffPlot()->pointPosition(target).toPoint());
        QCOMPARE(table->item(table->currentRow(), 0)->data(Qt::UserRole + 1).toLongLong(), points[target].runId);

        // The explorer lists the comparison.
        auto* tree = window.findChild<QTreeWidget*>();
        bool listed = false;
        for (int i = 0; i < tree->topLevelItemCount(); ++i) listed = listed || tree->topLevelItem(i)->text(0) == QStringLiteral("Method comparisons (1)");
        QVERIFY(listed);

        // Matching: only the group's runs are offered; a pair shows both concepts side by side.
        CompareView* matching = view->matching();
        QCOMPARE(matching->findChild<QComboBox*>(QStringLiteral("compareRunA"))->count(), 4);
        matching->setRuns(view->runIds()[0], view->runIds()[2]);  // nmf × gradient-input against pca × gradient-input
        QVERIFY(matching->table()->rowCount() >= 3);
        QVERIFY(!matching->pairDetail()->isVisible());
        QTest::mouseClick(matching->table()->viewport(), Qt::LeftButton, {}, matching->table()->visualItemRect(matching->table()->item(0, 0)).center());
        QVERIFY(matching->pairDetail()->isVisible());
        for (const char* name : {"pairCropsA", "pairCropsB", "pairMapA", "pairMapB"}) {
            const auto* label = matching->findChild<QLabel*>(QString::fromLatin1(name));
            QVERIFY2(label && !label->pixmap().isNull(), name);
        }
        QVERIFY(matching->findChild<QLabel*>(QStringLiteral("pairTitleA"))->text().startsWith(QStringLiteral("Run #%1").arg(view->runIds()[0])));
        window.grab().save(QStringLiteral(CS_TEST_TMP "/methods_view.png"));
    }

private:
    QTemporaryDir dir_;
    QString model_, images_;
};

CS_GUI_TEST_MAIN(TestMethodsView)
#include "test_methods_view.moc"
