// SAE dashboard and Compare runs on the fixture project, and the Hungarian assignment against
// brute force on random matrices.
#include "services/project_session.h"
#include "services/selection_model.h"
#include "fixture_project.h"
#include "gui_test_main.h"
#include "store/project_store.h"
#include "views/compare_view.h"
#include "views/hungarian.h"
#include "views/sae_dashboard.h"
#include "vtk/vtk_view_widget.h"

#include <QApplication>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <numeric>
#include <random>

using namespace cs::ui;

class TestSaeCompare : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const QString path = dir_.filePath(QStringLiteral("fixture.cstudio"));
        runs_ = cs::test::buildFixtureProject(path);
        session_.open(path);
    }

    void hungarianMatchesBruteForce() {
        std::mt19937 rng(3);
        std::uniform_real_distribution<double> u(0, 1);
        for (int trial = 0; trial < 40; ++trial) {
            const int rows = 1 + trial % 6, cols = 1 + (trial / 6) % 6;
            std::vector<std::vector<double>> cost(rows, std::vector<double>(cols));
            for (auto& r : cost)
                for (auto& c : r) c = u(rng);
            const auto assignment = solveAssignment(cost);
            QCOMPARE(int(assignment.size()), rows);
            double got = 0;
            std::vector<int> seen;
            for (int i = 0; i < rows; ++i)
                if (assignment[i] >= 0) {
                    got += cost[i][assignment[i]];
                    seen.push_back(assignment[i]);
                }
            QCOMPARE(int(seen.size()), std::min(rows, cols));
            std::sort(seen.begin(), seen.end());
            QVERIFY(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
            // Brute force over permutations of the larger side.
            double best = 1e18;
            const int n = std::max(rows, cols);
            std::vector<int> perm(n);
            std::iota(perm.begin(), perm.end(), 0);
            do {
                double total = 0;
                for (int i = 0; i < std::min(rows, cols); ++i)
                    total += rows <= cols ? cost[i][perm[i]] : cost[perm[i]][i];
                best = std::min(best, total);
            } while (std::next_permutation(perm.begin(), perm.end()));
            QVERIFY2(std::abs(got - best) < 1e-9, qPrintable(QString("%1 vs %2").arg(got).arg(best)));
        }
    }

    void compareMatchesPermutedConcepts() {
        CompareView view(&session_, &selection_);
        view.resize(1000, 500);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setRuns(runs_.craft, runs_.craftB);
        // Run B holds the same six concepts in another order (and perturbed): each is matched
        // to its own label, with a high cosine.
        QCOMPARE(view.matches().size(), 6);
        for (const auto& m : view.matches()) {
            QVERIFY(m.a && m.b);
            QVERIFY2(m.cosine > 0.9, qPrintable(QString::number(m.cosine)));
            QVERIFY(!m.weak);
        }
        auto* table = view.table();
        for (int row = 0; row < table->rowCount(); ++row) QCOMPARE(table->item(row, 0)->text(), table->item(row, 3)->text());
        view.grab().save(QStringLiteral(CS_TEST_TMP "/compare.png"));
        QVERIFY(view.summaryText().contains(QStringLiteral("6 matched")));
    }

    void compareFlagsUnmatchedConcepts() {
        // A third run with only two concepts: four of run A's are left without a partner.
        auto* store = session_.store();
        const int64_t small = store->createRun("craft", "{}");
        store->markRunning(small);
        store->completeRun(small, "{}", [&] {
            for (int k = 0; k < 2; ++k) {
                cs::store::ConceptRecord c;
                c.runId = small;
                c.layer = "features.6";
                c.index = k;
                c.importance = 0.5;
                c.label = k == 0 ? "laces" : "sole edge";
                c.vector.shape = {16};
                c.vector.data.assign(16, 0.05f);
                c.vector.data[k * 2] = c.vector.data[k * 2 + 1] = 1.0f;
                store->addConcept(c);
            }
        });
        session_.notifyDataChanged();
        CompareView view(&session_, &selection_);
        view.setRuns(runs_.craft, small);
        QCOMPARE(view.matches().size(), 6);
        int onlyA = 0;
        for (const auto& m : view.matches()) onlyA += (m.a && !m.b) ? 1 : 0;
        QCOMPARE(onlyA, 4);
        QVERIFY(view.summaryText().contains(QStringLiteral("4 without a partner")));
        store->deleteRun(small);
    }

    void saeDashboardListsFiltersAndShowsALatent() {
        SaeDashboard dashboard(&session_, &selection_);
        dashboard.resize(1300, 800);
        dashboard.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dashboard));
        selection_.setRun(runs_.sae);
        QCOMPARE(dashboard.proxy()->rowCount(), 48);
        QCOMPARE(dashboard.deadCount(), 3);
        QVERIFY(dashboard.summaryText().contains(QStringLiteral("3 dead")));
        dashboard.setHideDead(true);
        QCOMPARE(dashboard.proxy()->rowCount(), 45);
        dashboard.setFilterText(QStringLiteral("Sci-Fi"));
        const int filtered = dashboard.proxy()->rowCount();
        QVERIFY(filtered > 0 && filtered < 45);
        for (int r = 0; r < filtered; ++r)
            QVERIFY(dashboard.proxy()->index(r, LatentTableModel::Tags).data().toString().contains(QStringLiteral("Sci-Fi")));
        dashboard.setFilterText(QString());
        // Sorted by frequency, descending.
        dashboard.table()->sortByColumn(LatentTableModel::Frequency, Qt::DescendingOrder);
        for (int r = 1; r < dashboard.proxy()->rowCount(); ++r)
            QVERIFY(dashboard.proxy()->index(r - 1, 1).data(Qt::UserRole).toDouble() >=
                    dashboard.proxy()->index(r, 1).data(Qt::UserRole).toDouble());
        // Selecting a row selects the latent: histogram and top sequences follow.
        dashboard.table()->selectRow(0);
        dashboard.table()->setCurrentIndex(dashboard.proxy()->index(0, 0));
        QVERIFY(selection_.conceptId() != 0);
        QCOMPARE(dashboard.histogramBars(), 20);
        QVERIFY(dashboard.sequencesText().contains(QStringLiteral("Movie")));
        dashboard.grab().save(QStringLiteral(CS_TEST_TMP "/sae.png"));
        // A latent with a stored ablation shows it (before/after, tags that rose and fell).
        for (const auto& latent : session_.store()->latents(runs_.sae))
            if (latent.index == 5) selection_.setConcept(latent.id);
        QVERIFY2(dashboard.ablationText().contains(QStringLiteral("Rose: Drama")), qPrintable(dashboard.ablationText()));
        QVERIFY(dashboard.ablationText().contains(QStringLiteral("60%")));
        // A CRAFT run has no latents: said plainly.
        selection_.setRun(runs_.craft);
        QCOMPARE(dashboard.proxy()->rowCount(), 0);
        QVERIFY(dashboard.summaryText().contains(QStringLiteral("no latents")));
    }

private:
    QTemporaryDir dir_;
    cs::test::FixtureRuns runs_;
    ProjectSession session_;
    ConceptSelection selection_;
};

CS_GUI_TEST_MAIN(TestSaeCompare)

#include "test_sae_compare.moc"
