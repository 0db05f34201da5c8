// Concept atlas and heatmap viewer on the fixture's CRAFT run: cards sorted and filtered,
// a click selects a concept for every view (the heatmap follows), overlays composed from the
// stored maps respond to toggles, threshold, opacity and method, and the view exports a PNG.
#include "services/project_session.h"
#include "services/selection_model.h"
#include "services/theme.h"
#include "fixture_project.h"
#include "gui_test_main.h"
#include "store/project_store.h"
#include "views/concept_atlas.h"
#include "views/heatmap_view.h"
#include "views/hierarchy_model.h"
#include "vtk/vtk_view_widget.h"

#include <QApplication>
#include <QBuffer>
#include <QLabel>
#include <QFrame>
#include <QListWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace cs::ui;

namespace {
// Mean colour difference between two images of the same size.
double difference(const QImage& a, const QImage& b) {
    if (a.size() != b.size()) return 1e9;
    double sum = 0;
    for (int y = 0; y < a.height(); ++y)
        for (int x = 0; x < a.width(); ++x) {
            const QColor p = a.pixelColor(x, y), q = b.pixelColor(x, y);
            sum += std::abs(p.red() - q.red()) + std::abs(p.green() - q.green()) + std::abs(p.blue() - q.blue());
        }
    return sum / (a.width() * a.height());
}
}  // namespace

class TestCraftViews : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const QString path = dir_.filePath(QStringLiteral("fixture.cstudio"));
        runs_ = cs::test::buildFixtureProject(path);
        session_.open(path);
        atlas_ = new ConceptAtlas(&session_, &selection_);
        atlas_->resize(1000, 700);
        atlas_->show();
        heatmap_ = new HeatmapView(&session_, &selection_);
        heatmap_->resize(1000, 700);
        heatmap_->show();
        QVERIFY(QTest::qWaitForWindowExposed(heatmap_));
        selection_.setRun(runs_.craft);
    }
    void cleanupTestCase() {
        delete atlas_;
        delete heatmap_;
    }

    void atlasShowsOneCardPerConceptSortedByImportance() {
        const auto order = atlas_->cardOrder();
        QCOMPARE(order.size(), 6);  // top level only by default
        auto* store = session_.store();
        std::map<qint64, double> importance;
        for (const auto& c : store->concepts(runs_.craft)) importance[c.id] = c.importance;
        for (int i = 1; i < order.size(); ++i) QVERIFY(importance[order[i - 1]] >= importance[order[i]]);
        atlas_->setShowSubConcepts(true);
        QCOMPARE(atlas_->cardOrder().size(), 12);
        atlas_->setFilterText(QStringLiteral("sole"));
        QCOMPARE(atlas_->cardOrder().size(), 4);  // "sole edge" and its three parts
        atlas_->setFilterText(QString());
        atlas_->setShowSubConcepts(false);
        atlas_->setSortKey(ConceptAtlas::SortKey::Name);
        QCOMPARE(atlas_->cardOrder().size(), 6);
        atlas_->setSortKey(ConceptAtlas::SortKey::Importance);
        atlas_->grab().save(QStringLiteral(CS_TEST_TMP "/atlas.png"));
    }

    void clickingACardSelectsTheConceptAndTheHeatmapFollows() {
        heatmap_->showImage(0);
        const QImage before = heatmap_->composed();
        const qint64 second = atlas_->cardOrder().at(1);
        QFrame* card = atlas_->card(second);
        QVERIFY(card && card->isVisible());
        QTest::mouseClick(card, Qt::LeftButton, Qt::NoModifier, QPoint(20, 20));
        QCOMPARE(selection_.conceptId(), second);
        QVERIFY(card->styleSheet().contains(QStringLiteral("border")));  // highlighted
        // The heatmap highlights that concept: the composition changes, and its legend row is current.
        const QImage after = heatmap_->composed();
        QVERIFY2(difference(before, after) > 1.0, qPrintable(QString::number(difference(before, after))));
        auto* legend = heatmap_->findChild<QListWidget*>(QStringLiteral("heatmapLegend"));
        QVERIFY(legend && legend->currentItem());
        QCOMPARE(legend->currentItem()->data(Qt::UserRole).toLongLong(), second);
        selection_.setConcept(0);
    }

    void heatmapOverlaysRespondToTheControls() {
        QCOMPARE(heatmap_->imageCount(), 4);
        heatmap_->showImage(1);
        heatmap_->setPercentile(90);
        heatmap_->setOpacity(0.65);
        const QImage normal = heatmap_->composed();
        QCOMPARE(normal.size(), QSize(288, 288));  // 96 px images are enlarged 3x (to >= 224) before composing
        heatmap_->grab().save(QStringLiteral(CS_TEST_TMP "/heatmap.png"));
        // All overlays off: the plain image.
        for (int c = 0; c < 6; ++c) heatmap_->setConceptEnabled(c, false);
        const QImage plain = heatmap_->composed();
        QVERIFY(difference(normal, plain) > 1.0);
        for (int c = 0; c < 6; ++c) heatmap_->setConceptEnabled(c, true);
        QCOMPARE(difference(heatmap_->composed(), normal), 0.0);
        // Lower threshold covers more of the image.
        heatmap_->setPercentile(10);
        QVERIFY(difference(heatmap_->composed(), plain) > difference(normal, plain));
        heatmap_->setPercentile(90);
        heatmap_->setOpacity(0.0);
        QCOMPARE(difference(heatmap_->composed(), plain), 0.0);
        heatmap_->setOpacity(0.65);
        // The implicit maps differ from the projection maps.
        heatmap_->setMethod(QStringLiteral("implicit"));
        QVERIFY(heatmap_->statusText().isEmpty());
        QVERIFY(difference(heatmap_->composed(), normal) > 0.5);
        heatmap_->setMethod(QStringLiteral("projection"));
        const QString out = dir_.filePath(QStringLiteral("export.png"));
        QVERIFY(heatmap_->exportPng(out));
        QImage exported(out);
        QCOMPARE(exported.size(), normal.size());
    }

    void composeHonoursThresholdExactly() {
        // One 2x2 map with values 0, 1, 2, 3: at the 50th percentile (1.5), only 2 and 3 show.
        ConceptMaps maps;
        maps.concepts = 1;
        maps.height = maps.width = 2;
        maps.data = {0, 1, 2, 3};
        QImage image(2, 2, QImage::Format_ARGB32);
        image.fill(Qt::black);
        OverlaySettings settings;
        settings.colors = {QColor(255, 0, 0)};
        settings.percentile = 50;
        settings.opacity = 1.0;
        // Compose at map resolution so no resampling mixes pixels.
        const QImage out = composeHeatmap(image, maps, settings);
        QCOMPARE(qRed(out.pixel(0, 0)), 0);
        QCOMPARE(qRed(out.pixel(1, 0)), 0);
        QVERIFY(qRed(out.pixel(0, 1)) > 50 && qRed(out.pixel(0, 1)) < 120);  // (2-1.5)/(3-1.5) = 1/3
        QVERIFY(qRed(out.pixel(1, 1)) > 250);
    }

    void channelsLastTensorsAreTransposed() {
        cs::TensorBlob blob;
        blob.shape = {2, 3, 4};  // h, w, r with r = 4 concepts
        for (int i = 0; i < 24; ++i) blob.data.push_back(float(i));
        const ConceptMaps maps = toConceptMaps(blob, 4);
        QCOMPARE(maps.concepts, 4);
        QCOMPARE(maps.height, 2);
        QCOMPARE(maps.width, 3);
        QCOMPARE(maps.at(1, 1, 2), float((1 * 3 + 2) * 4 + 1));
    }

    // A concept's MaCo picture (stored by `visualize`) is shown first on its atlas card, over a
    // checkerboard where it is transparent, and goes into the hierarchy's tooltip.
    void aConceptsPictureShowsOnItsCardAndInTheHierarchy() {
        const qint64 first = atlas_->cardOrder().at(0);
        QFrame* card = atlas_->card(first);
        QVERIFY(card);
        QVERIFY(!card->findChild<QLabel*>(QStringLiteral("conceptPicture")));  // none made yet
        QImage picture(32, 32, QImage::Format_ARGB32);
        picture.fill(QColor(200, 30, 30, 255));
        for (int y = 0; y < 32; ++y)
            for (int x = 0; x < 8; ++x) picture.setPixelColor(x, y, QColor(200, 30, 30, 0));  // a transparent band at the left
        QByteArray png;
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        QVERIFY(picture.save(&buffer, "PNG"));
        cs::store::ArtifactRecord artifact;
        artifact.runId = runs_.craft;
        artifact.kind = cs::store::ArtifactKind::FeatureVisualization;
        artifact.name = "maco#concept" + std::to_string(first);
        artifact.mime = "image/png";
        artifact.bytes = png.toStdString();
        artifact.metadataJson = "{\"concept_id\": " + std::to_string(first) + ", \"method\": \"maco\"}";
        session_.store()->replaceArtifact(artifact);
        atlas_->reload();
        card = atlas_->card(first);
        auto* shown = card ? card->findChild<QLabel*>(QStringLiteral("conceptPicture")) : nullptr;
        QVERIFY(shown);
        const QImage onCard = shown->pixmap().toImage();
        QVERIFY(!onCard.isNull());
        // Opaque red on the right; grey checkerboard where the picture is transparent.
        const QColor right = onCard.pixelColor(onCard.width() - 4, onCard.height() / 2);
        const QColor left = onCard.pixelColor(1, onCard.height() / 2);
        QVERIFY2(right.red() > 150 && right.green() < 80, qPrintable(right.name()));
        QVERIFY2(left.red() == left.green() && left.green() == left.blue() && left.red() >= 0x99, qPrintable(left.name()));
        const HierarchyData tree = loadRunHierarchy(*session_.store(), runs_.craft);
        const int node = tree.findItem(first);
        QVERIFY(node > 0);
        QCOMPARE(tree.nodes[size_t(node)].picturePng, png);
        atlas_->grab().save(QStringLiteral(CS_TEST_TMP "/atlas-with-picture.png"));
    }

    void aRunWithoutMapsIsToleratedEverywhere() {
        selection_.setRun(runs_.sae);
        QCOMPARE(atlas_->cardOrder().size(), 0);
        QCOMPARE(heatmap_->imageCount(), 0);
        QVERIFY(heatmap_->statusText().contains(QStringLiteral("no images")));
        selection_.setRun(runs_.craft);
    }

private:
    QTemporaryDir dir_;
    cs::test::FixtureRuns runs_;
    ProjectSession session_;
    ConceptSelection selection_;
    ConceptAtlas* atlas_ = nullptr;
    HeatmapView* heatmap_ = nullptr;
};

CS_GUI_TEST_MAIN(TestCraftViews)

#include "test_craft_views.moc"
