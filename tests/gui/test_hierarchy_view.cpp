// The hierarchy view draws the fixture's concept tree (6 concepts, 2 with 3 sub-concepts) and
// its latent hierarchy with the real layout module, picks polygons under the mouse, selects
// on click, drills in on double-click, and switches to the squarified layout.
#include "services/project_session.h"
#include "services/selection_model.h"
#include "fixture_project.h"
#include "gui_test_main.h"
#include "store/project_store.h"
#include "views/hierarchy_model.h"
#include "views/hierarchy_view.h"
#include "vtk/vtk_view_widget.h"

#include <QApplication>
#include <QComboBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace cs::ui;

class TestHierarchyView : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const QString path = dir_.filePath(QStringLiteral("fixture.cstudio"));
        runs_ = cs::test::buildFixtureProject(path);
        session_.open(path);
        view_ = new HierarchyView(&session_, &selection_);
        view_->resize(900, 600);
        view_->show();
        QVERIFY(QTest::qWaitForWindowExposed(view_));
    }
    void cleanupTestCase() { delete view_; }

    void drawsTheConceptTree() {
        selection_.setRun(runs_.craft);
        const HierarchyData& data = view_->data();
        QCOMPARE(int(data.nodes.size()), 1 + 6 + 6);
        QCOMPARE(data.nodes[0].label, QStringLiteral("Sneaker"));
        QCOMPARE(view_->drawnCellCount(), 13);
        QVERIFY2(view_->maxAspectRatio() < 6.0, qPrintable(QString::number(view_->maxAspectRatio())));
        QTRY_VERIFY(view_->canvas()->framesRendered() > 0);
        const QImage image = view_->canvas()->grabFramebuffer();
        image.save(QStringLiteral(CS_TEST_TMP "/hierarchy_view.png"));
        // Several distinct concept colours are on screen, not one flat fill.
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 10)
            for (int x = 0; x < image.width(); x += 10) colours.insert(image.pixel(x, y) & 0xF0F0F0);
        QVERIFY2(colours.size() >= 8, qPrintable(QString::number(colours.size())));
    }

    void picksAndSelectsTheConceptUnderTheMouse() {
        selection_.setRun(runs_.craft);
        const HierarchyData& data = view_->data();
        // A leaf concept (no sub-concepts): its anchor is inside its polygon.
        int leaf = -1;
        for (size_t i = 1; i < data.nodes.size(); ++i)
            if (data.nodes[i].depth == 1 && data.nodes[i].children.empty()) { leaf = int(i); break; }
        QVERIFY(leaf > 0);
        const QPoint anchor = view_->anchorOf(leaf).toPoint();
        QCOMPARE(view_->nodeAt(anchor), leaf);
        QTest::mouseClick(view_->canvas(), Qt::LeftButton, Qt::NoModifier, anchor);
        QCOMPARE(selection_.conceptId(), data.nodes[leaf].itemId);
        // A sub-concept is picked above its parent.
        int sub = -1;
        for (size_t i = 1; i < data.nodes.size(); ++i)
            if (data.nodes[i].depth == 2) { sub = int(i); break; }
        QVERIFY(sub > 0);
        QCOMPARE(view_->nodeAt(view_->anchorOf(sub).toPoint()), sub);
        // Outside every polygon: nothing.
        QCOMPARE(view_->nodeAt(QPoint(2, view_->canvas()->height() - 2)), -1);
    }

    void doubleClickDrillsIntoASubTree() {
        selection_.setRun(runs_.craft);
        const HierarchyData& data = view_->data();
        int parent = -1;
        for (size_t i = 1; i < data.nodes.size(); ++i)
            if (!data.nodes[i].children.empty()) { parent = int(i); break; }
        QVERIFY(parent > 0);
        const int child = data.nodes[parent].children[0];
        QTest::mouseDClick(view_->canvas(), Qt::LeftButton, Qt::NoModifier, view_->anchorOf(child).toPoint());
        QCOMPARE(view_->drillRoot(), parent);
        QCOMPARE(view_->drawnCellCount(), 4);  // the parent and its three sub-concepts
        view_->canvas()->grabFramebuffer().save(QStringLiteral(CS_TEST_TMP "/hierarchy_drill.png"));
        view_->drillUp();
        QCOMPARE(view_->drillRoot(), 0);
        QCOMPARE(view_->drawnCellCount(), 13);
    }

    void switchesToSquarified() {
        selection_.setRun(runs_.craft);
        auto* box = view_->findChild<QComboBox*>(QStringLiteral("layoutMethod"));
        QVERIFY(box);
        const QPoint before = view_->anchorOf(1).toPoint();
        box->setCurrentIndex(1);
        QCOMPARE(view_->method(), HierarchyView::Method::Squarified);
        QCOMPARE(view_->drawnCellCount(), 13);
        QVERIFY(view_->anchorOf(1).toPoint() != before);
        view_->canvas()->grabFramebuffer().save(QStringLiteral(CS_TEST_TMP "/hierarchy_squarified.png"));
        view_->setMethod(HierarchyView::Method::Fat);
    }

    void drawsTheLatentHierarchy() {
        selection_.setRun(runs_.sae);
        const HierarchyData& data = view_->data();
        QCOMPARE(data.source, QStringLiteral("latent hierarchy"));
        QCOMPARE(int(data.nodes[0].children.size()), 6);
        QVERIFY(view_->drawnCellCount() > 40);
        // Leaves named "latent N" map to latent rows, so a click selects the latent.
        int leaf = -1;
        for (size_t i = 0; i < data.nodes.size(); ++i)
            if (data.nodes[i].children.empty() && data.nodes[i].itemId > 0) { leaf = int(i); break; }
        QVERIFY(leaf >= 0);
        view_->canvas()->grabFramebuffer().save(QStringLiteral(CS_TEST_TMP "/hierarchy_sae.png"));
    }

    void aRunWithoutATreeSaysSo() {
        selection_.setRun(runs_.failed);
        QVERIFY(view_->data().empty());
        QCOMPARE(view_->drawnCellCount(), 0);
        QVERIFY(view_->statusText().contains(QStringLiteral("no concepts")));
    }

    void malformedTreeJsonIsAnErrorNamingTheSource() {
        try {
            parseTreeJson("{\"name\": \"r\", \"children\": [", QStringLiteral("demo.cstudio (artifact t)"));
            QFAIL("no error");
        } catch (const std::exception& e) {
            QVERIFY2(QString::fromUtf8(e.what()).startsWith(QStringLiteral("demo.cstudio (artifact t): tree JSON")), e.what());
        }
    }

    void titleNamesTheClassNotItsIndex() {
        // The CRAFT engine stores the class as an index (summary "class": 2); the title shows the
        // name the run's model gives it, then the images' name, and only then "class 2".
        const auto titleOf = [this](const QString& file, const QJsonArray& modelNames, const QJsonArray& datasetNames) {
            auto store = cs::store::ProjectStore::create(dir_.filePath(file).toStdString());
            cs::store::ModelRecord model;
            model.path = "/m/" + file.toStdString() + ".pt";
            model.sha256 = "x";
            model.kind = "vision";
            model.metadataJson = QJsonDocument(QJsonObject{{"class_names", modelNames}}).toJson().toStdString();
            cs::store::DatasetRecord dataset;
            dataset.path = "/d/" + file.toStdString();
            dataset.kind = "idx";
            dataset.metadataJson = QJsonDocument(QJsonObject{{"class_names", datasetNames}}).toJson().toStdString();
            const qint64 run = store->createRun("craft", R"({"class": "2", "class_index": 2})", store->addModel(model),
                                                store->addDataset(dataset));
            store->markRunning(run);
            store->completeRun(run, R"({"class": 2})", [&] {
                cs::store::ConceptRecord concept;
                concept.runId = run;
                concept.layer = "block2";
                concept.importance = 1.0;
                concept.vector.shape = {2};
                concept.vector.data = {0.5f, 0.5f};
                store->addConcept(concept);
            });
            return cs::ui::loadRunHierarchy(*store, run).title;
        };
        QCOMPARE(titleOf(QStringLiteral("named.cstudio"), {"T-shirt", "Trouser", "Pullover"}, {}), QStringLiteral("Pullover"));
        QCOMPARE(titleOf(QStringLiteral("images.cstudio"), {}, {"cat", "dog", "bird"}), QStringLiteral("bird"));
        QCOMPARE(titleOf(QStringLiteral("unnamed.cstudio"), {}, {}), QStringLiteral("class 2"));
    }

private:
    QTemporaryDir dir_;
    cs::test::FixtureRuns runs_;
    ProjectSession session_;
    ConceptSelection selection_;
    HierarchyView* view_ = nullptr;
};

CS_GUI_TEST_MAIN(TestHierarchyView)

#include "test_hierarchy_view.moc"
