// The New Run dialog's layer tree on unmodified TorchScript models (exported by
// tests/core/model/make_graph_fixtures.py with random weights, as users export theirs): the
// engine lists every layer with its output shape; the layers where a cut works are marked and the
// others say why not; typing filters; a click picks the layer; a CRAFT run at the picked layer of
// a plain scripted ResNet ends done and the heatmap view shows its concept maps; a tiny vision
// transformer lists its encoder blocks at the input size typed in the dialog.
#include "app/studio_window.h"
#include "dialogs/layer_tree.h"
#include "dialogs/new_run_dialog.h"
#include "gui_test_main.h"
#include "services/cli_run_job.h"
#include "services/job_monitor.h"
#include "services/selection_model.h"
#include "store/project_store.h"
#include "views/heatmap_view.h"

#include <QFileInfo>
#include <QLineEdit>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace cs::ui;

namespace {
// The row of the tree whose layer is `name` (the dotted path), nullptr when none.
QTreeWidgetItem* layerItem(QTreeWidget* tree, const QString& name) {
    for (QTreeWidgetItem* item : tree->findItems(QStringLiteral("*"), Qt::MatchWildcard | Qt::MatchRecursive, 0))
        if (item->data(0, Qt::UserRole).toString() == name) return item;
    return nullptr;
}

QTreeWidgetItem* firstRefusedLayer(QTreeWidget* tree) {
    for (QTreeWidgetItem* item : tree->findItems(QStringLiteral("*"), Qt::MatchWildcard | Qt::MatchRecursive, 0))
        if (!item->data(0, Qt::UserRole).toString().isEmpty() && !item->data(0, Qt::UserRole + 1).toBool()) return item;
    return nullptr;
}
}  // namespace

class TestLayerTree : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QVERIFY2(QFileInfo(QStringLiteral(CS_CLI_PATH)).isExecutable(), CS_CLI_PATH);
        // The studio finds its engine next to itself or on PATH.
        qputenv("PATH", QFileInfo(QStringLiteral(CS_CLI_PATH)).absolutePath().toUtf8() + ":" + qgetenv("PATH"));
        QProcess python;
        python.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral(CS_SOURCE_DIR "/tests/core/model/make_graph_fixtures.py"), dir_.path()});
        QVERIFY(python.waitForFinished(300000));
        QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
    }

    void listsTheLayersOfAPlainScriptedModelAndPicksOne() {
        NewRunDialog dialog(dir_.filePath(QStringLiteral("p.cstudio")));
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        LayerTree* layers = dialog.layerTree();
        dialog.findChild<QLineEdit*>(QStringLiteral("inputSize"))->setText(QStringLiteral("3,64,64"));
        dialog.modelEdit()->setText(dir_.filePath(QStringLiteral("resnet18_scripted.pt")));
        QTRY_VERIFY_WITH_TIMEOUT(!layers->isLoading() && layers->tree()->topLevelItemCount() > 0, 120000);
        QVERIFY2(layers->statusText().contains(QStringLiteral("where a cut works")), qPrintable(layers->statusText()));

        // layer4 is a cut; a layer inside a residual block is not, and says why.
        QTreeWidgetItem* layer4 = layerItem(layers->tree(), QStringLiteral("layer4"));
        QVERIFY(layer4);
        QVERIFY(layer4->data(0, Qt::UserRole + 1).toBool());
        QCOMPARE(layer4->text(1), QStringLiteral("512×2×2"));  // one image's output at 64 px
        QTreeWidgetItem* inside = layerItem(layers->tree(), QStringLiteral("layer4.0.bn2"));
        QVERIFY(inside);
        QVERIFY(!inside->data(0, Qt::UserRole + 1).toBool());
        QVERIFY2(inside->toolTip(0).contains(QStringLiteral("skip connection")), qPrintable(inside->toolTip(0)));
        QVERIFY(firstRefusedLayer(layers->tree()));

        // Typing filters the tree; the parents of a match stay, to show where it sits.
        layers->filterEdit()->setText(QStringLiteral("layer3.1"));
        QVERIFY(layer4->isHidden());
        QTreeWidgetItem* match = layerItem(layers->tree(), QStringLiteral("layer3.1"));
        QVERIFY(match && !match->isHidden());
        QVERIFY(!layerItem(layers->tree(), QStringLiteral("layer3"))->isHidden());
        dialog.grab().save(QStringLiteral(CS_TEST_TMP "/new-run-layer-tree-filtered.png"));
        layers->filterEdit()->clear();
        QVERIFY(!layer4->isHidden());

        // A click on a cut picks it; a click on a refused layer does not.
        layers->tree()->scrollToItem(layer4);
        QTest::mouseClick(layers->tree()->viewport(), Qt::LeftButton, Qt::NoModifier, layers->tree()->visualItemRect(layer4).center());
        QCOMPARE(dialog.layerEdit()->text(), QStringLiteral("layer4"));
        layers->tree()->scrollToItem(inside);
        QTest::mouseClick(layers->tree()->viewport(), Qt::LeftButton, Qt::NoModifier, layers->tree()->visualItemRect(inside).center());
        QCOMPARE(dialog.layerEdit()->text(), QStringLiteral("layer4"));
        QVERIFY2(layers->statusText().contains(QStringLiteral("skip connection")), qPrintable(layers->statusText()));
        // Each row once: layer4's two blocks, not one row per layer inside them.
        QCOMPARE(layer4->childCount(), 2);
        layers->selectLayer(dialog.layerEdit()->text());
        QCOMPARE(layers->tree()->currentItem(), layer4);
        dialog.grab().save(QStringLiteral(CS_TEST_TMP "/new-run-layer-tree.png"));

        // The spec the dialog gives carries the input size typed in it.
        QCOMPARE(dialog.spec().craft.inputSize, (std::vector<int64_t>{3, 64, 64}));
        QCOMPARE(dialog.spec().craft.options.layer, std::string("layer4"));
    }

    void aVisionTransformerListsItsBlocksAtTheInputSizeGiven() {
        NewRunDialog dialog(dir_.filePath(QStringLiteral("p.cstudio")));
        dialog.show();
        LayerTree* layers = dialog.layerTree();
        // Its 32-pixel input is not the default 224: the probe fails and the tree says why.
        dialog.modelEdit()->setText(dir_.filePath(QStringLiteral("vit_tiny_scripted.pt")));
        QTRY_VERIFY_WITH_TIMEOUT(!layers->isLoading() && !layers->statusText().isEmpty() &&
                                     !layers->statusText().startsWith(QStringLiteral("Reading")), 120000);
        QCOMPARE(layers->tree()->topLevelItemCount(), 0);
        QVERIFY2(layers->statusText().contains(QStringLiteral("vit_tiny_scripted.pt")), qPrintable(layers->statusText()));
        auto* inputSize = dialog.findChild<QLineEdit*>(QStringLiteral("inputSize"));
        inputSize->setText(QStringLiteral("3,32,32"));
        emit inputSize->editingFinished();
        QTRY_VERIFY_WITH_TIMEOUT(!layers->isLoading() && layers->tree()->topLevelItemCount() > 0, 120000);
        QTreeWidgetItem* block = layerItem(layers->tree(), QStringLiteral("encoder.layers.encoder_layer_1"));
        QVERIFY(block);
        QVERIFY(block->data(0, Qt::UserRole + 1).toBool());
        QCOMPARE(block->text(1), QStringLiteral("17×32"));  // 16 patch tokens and the class token, 32 wide
    }

    void aRunAtThePickedLayerShowsItsHeatmap() {
        const QString project = dir_.filePath(QStringLiteral("run.cstudio"));
        StudioWindow window;
        window.resize(1200, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.newProject(project));
        window.setRunLauncher(makeCliRunLauncher(QStringLiteral(CS_CLI_PATH)));
        NewRunDialog* dialog = window.showNewRunDialog();
        QVERIFY(dialog);
        dialog->findChild<QLineEdit*>(QStringLiteral("inputSize"))->setText(QStringLiteral("3,64,64"));
        dialog->modelEdit()->setText(dir_.filePath(QStringLiteral("resnet18_scripted.pt")));
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->layerTree()->isLoading() && dialog->layerTree()->tree()->topLevelItemCount() > 0, 120000);
        emit dialog->layerTree()->tree()->itemClicked(layerItem(dialog->layerTree()->tree(), QStringLiteral("layer4")), 0);
        dialog->imagesEdit()->setText(dir_.filePath(QStringLiteral("images")));
        dialog->classEdit()->setText(QStringLiteral("0"));
        RunSpec spec = dialog->spec();
        spec.craft.adapter = "torchscript-graph";  // the torchvision plugin would otherwise take a ResNet
        spec.craft.options.concepts = 3;
        spec.craft.options.patchSize = 32;
        spec.craft.options.sobolDesigns = 8;
        dialog->close();
        const quint64 id = window.startRun(spec);
        QVERIFY(id != 0);
        QTRY_VERIFY_WITH_TIMEOUT(window.jobs()->activeCount() == 0, 300000);
        const JobStatus* status = window.jobs()->status(id);
        QVERIFY2(status->state == cs::jobs::JobState::Done, qPrintable(status->error));
        qint64 runId = 0;
        {
            auto store = cs::store::ProjectStore::open(project.toStdString(), true);
            QCOMPARE(store->runs().size(), size_t(1));
            runId = store->runs().front().id;
            QCOMPARE(store->concepts(runId).size(), size_t(3));
        }
        window.selection()->setRun(runId);
        QVERIFY(window.showView(QStringLiteral("heatmap")));
        auto* heatmap = window.findChild<HeatmapView*>();
        QVERIFY(heatmap);
        QTRY_VERIFY_WITH_TIMEOUT(heatmap->imageCount() > 0, 10000);
        QVERIFY(!heatmap->composed().isNull());
        window.grab().save(QStringLiteral(CS_TEST_TMP "/layer-tree-run-heatmap.png"));
    }

private:
    QTemporaryDir dir_;
};

CS_GUI_TEST_MAIN(TestLayerTree)

#include "test_layer_tree.moc"
