// Labels, search and the first look, in the real main window on the fixture project:
//  - opening the project selects the newest finished run, the Overview lists every run with its
//    figures and links into its views, and the SAE dashboard opens on its most confident latent;
//  - a concept labelled through F2 shows on its atlas card, in the hierarchy and the heatmap
//    legend; Ctrl+Z takes the label back out of the project, Ctrl+Shift+Z puts it back;
//  - double-clicking an atlas card, a latent row or a concept of an open hierarchy level opens the
//    editor, the latent's best tag first;
//  - the labels are there after the project is closed and reopened;
//  - Ctrl+F finds a label, a note and a latent tag, grouped by run, and Enter shows the hit.
#include "app/studio_window.h"
#include "dialogs/search_dialog.h"
#include "fixture_project.h"
#include "gui_test_main.h"
#include "services/project_session.h"
#include "services/selection_model.h"
#include "store/project_store.h"
#include "views/concept_atlas.h"
#include "views/heatmap_view.h"
#include "views/hierarchy_view.h"
#include "views/run_overview.h"
#include "views/sae_dashboard.h"
#include "vtk/vtk_view_widget.h"

#include <QComboBox>
#include <QDialog>
#include <QFrame>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTreeWidget>

using namespace cs::ui;
using cs::store::LabelTarget;

namespace {

QDialog* labelEditor(StudioWindow& window) { return window.findChild<QDialog*>(QStringLiteral("labelEditor")); }

// Fills the open label editor and presses OK.
void acceptLabel(StudioWindow& window, const QString& text, const QString& note) {
    QDialog* editor = labelEditor(window);
    QVERIFY(editor);
    auto* combo = editor->findChild<QComboBox*>(QStringLiteral("labelText"));
    auto* noteEdit = editor->findChild<QLineEdit*>(QStringLiteral("labelNote"));
    QVERIFY(combo && noteEdit);
    combo->setEditText(text);
    noteEdit->setText(note);
    editor->accept();
    QTRY_VERIFY(labelEditor(window) == nullptr);
}

bool latentLabelShown(SaeDashboard* dashboard, const QString& text) {
    for (int r = 0; r < dashboard->proxy()->rowCount(); ++r)
        if (dashboard->proxy()->index(r, LatentTableModel::Label).data().toString() == text) return true;
    return false;
}

QString cardTitle(ConceptAtlas* atlas, qint64 conceptId) {
    QFrame* card = atlas->card(conceptId);
    if (!card) return {};
    auto* title = card->findChild<QLabel*>(QStringLiteral("conceptTitle"));
    return title ? title->text() : QString();
}

}  // namespace

class TestLabelsSearch : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        path_ = dir_.filePath(QStringLiteral("fixture.cstudio"));
        runs_ = cs::test::buildFixtureProject(path_);
        window_ = new StudioWindow;
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_));
        QVERIFY(window_->openProject(path_));
    }
    void cleanupTestCase() { delete window_; }
    // Shortcuts reach the active window only; a closed dialog may leave none active.
    void init() { activate(); }

    void firstLookSelectsTheNewestFinishedRunAndListsEveryRun() {
        qint64 newestDone = 0;
        for (const auto& run : window_->session()->store()->runs())
            if (run.status == cs::store::RunStatus::Done) newestDone = std::max<qint64>(newestDone, run.id);
        QCOMPARE(window_->selection()->runId(), newestDone);
        auto* overview = window_->findChild<RunOverview*>();
        const QString text = overview->plainText();
        for (qint64 run : {runs_.craft, runs_.craftB, runs_.sae, runs_.failed})
            QVERIFY2(text.contains(QStringLiteral("Run %1: ").arg(run)), qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("Concept Atlas")));
        QVERIFY(text.contains(QStringLiteral("SAE Dashboard")));
        QVERIFY(text.contains(QStringLiteral("laces")) || text.contains(QStringLiteral("sole edge")));
        // A dashboard link selects its run and shows its view.
        emit overview->browser()->anchorClicked(QUrl(QStringLiteral("cs-view:%1/atlas").arg(runs_.craft)));
        QCOMPARE(window_->selection()->runId(), qint64(runs_.craft));
        QCOMPARE(window_->currentViewName(), QStringLiteral("atlas"));
    }

    void saeDashboardOpensOnItsMostConfidentLatent() {
        window_->selection()->setRun(runs_.sae);
        double best = -1;
        qint64 bestId = 0;
        for (const auto& l : window_->session()->store()->latents(runs_.sae))
            if (l.frequency > 0 && l.confidence > best) best = l.confidence, bestId = l.id;
        QCOMPARE(window_->selection()->conceptId(), bestId);
        auto* dashboard = window_->findChild<SaeDashboard*>();
        QVERIFY(dashboard->selectedLatentIndex() >= 0);
    }

    void f2LabelsAConceptEverywhereAndUndoRedoReachTheProject() {
        window_->selection()->setRun(runs_.craft);
        window_->showView(QStringLiteral("atlas"));
        auto* atlas = window_->findChild<ConceptAtlas*>();
        concept_ = atlas->cardOrder().at(0);
        window_->selection()->setConcept(concept_);
        activate();
        QTest::keyClick(window_, Qt::Key_F2);
        QTRY_VERIFY(labelEditor(*window_));
        // The classes the concept raises most are offered first, best first.
        auto* suggestions = labelEditor(*window_)->findChild<QComboBox*>(QStringLiteral("labelText"));
        QVERIFY(suggestions && suggestions->count() >= 2);
        QCOMPARE(suggestions->itemText(0), QStringLiteral("Sneaker"));
        QCOMPARE(suggestions->itemText(1), QStringLiteral("Sandal"));
        acceptLabel(*window_, QStringLiteral("striped upper"), QStringLiteral("look at zebras too"));

        auto* store = window_->session()->store();
        auto label = store->label(LabelTarget::Concept, concept_);
        QVERIFY(label);
        QCOMPARE(QString::fromStdString(label->text), QStringLiteral("striped upper"));
        QCOMPARE(QString::fromStdString(label->note), QStringLiteral("look at zebras too"));
        QVERIFY(cardTitle(atlas, concept_).contains(QStringLiteral("striped upper")));
        QVERIFY(atlas->card(concept_)->findChild<QLabel*>(QStringLiteral("conceptNote")));

        window_->showView(QStringLiteral("heatmap"));
        auto* legend = window_->findChild<HeatmapView*>()->findChild<QListWidget*>(QStringLiteral("heatmapLegend"));
        bool inLegend = false;
        for (int i = 0; legend && i < legend->count(); ++i) inLegend |= legend->item(i)->text().contains(QStringLiteral("striped upper"));
        QVERIFY(inLegend);

        window_->showView(QStringLiteral("hierarchy"));
        const auto& tree = window_->findChild<HierarchyView*>()->data();
        const int node = tree.findItem(concept_);
        QVERIFY(node > 0);
        QCOMPARE(tree.nodes[size_t(node)].label, QStringLiteral("striped upper"));
        QCOMPARE(tree.nodes[size_t(node)].note, QStringLiteral("look at zebras too"));

        activate();
        QTest::keyClick(window_, Qt::Key_Z, Qt::ControlModifier);
        QVERIFY(!store->label(LabelTarget::Concept, concept_));
        window_->showView(QStringLiteral("atlas"));
        QTRY_VERIFY(!cardTitle(atlas, concept_).contains(QStringLiteral("striped upper")));

        activate();
        QTest::keyClick(window_, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
        label = store->label(LabelTarget::Concept, concept_);
        QVERIFY(label);
        QCOMPARE(QString::fromStdString(label->note), QStringLiteral("look at zebras too"));
        QTRY_VERIFY(cardTitle(atlas, concept_).contains(QStringLiteral("striped upper")));
    }

    void doubleClickingACardOrALatentOpensTheEditor() {
        auto* atlas = window_->findChild<ConceptAtlas*>();
        const qint64 second = atlas->cardOrder().at(1);
        QTest::mouseDClick(atlas->card(second), Qt::LeftButton, {}, QPoint(20, 10));
        QTRY_VERIFY(labelEditor(*window_));
        labelEditor(*window_)->reject();
        QTRY_VERIFY(labelEditor(*window_) == nullptr);
        QVERIFY2(!window_->session()->store()->label(LabelTarget::Concept, second), "cancel writes nothing");

        window_->selection()->setRun(runs_.sae);
        window_->showView(QStringLiteral("sae"));
        auto* dashboard = window_->findChild<SaeDashboard*>();
        QTableView* table = dashboard->table();
        const QModelIndex first = table->model()->index(0, 0);
        table->scrollTo(first);
        const QRect cell = table->visualRect(first);
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, cell.center());
        QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, cell.center());
        QTRY_VERIFY(labelEditor(*window_));
        latent_ = window_->selection()->conceptId();
        std::string bestTag;
        for (const auto& l : window_->session()->store()->latents(runs_.sae))
            if (l.id == latent_) bestTag = QJsonValueString(l.tagsJson);
        auto* combo = labelEditor(*window_)->findChild<QComboBox*>(QStringLiteral("labelText"));
        QVERIFY(combo->count() > 0);
        QCOMPARE(combo->itemText(0).toStdString(), bestTag);
        acceptLabel(*window_, QStringLiteral("space opera"), QString());
        QTRY_VERIFY(latentLabelShown(dashboard, QStringLiteral("space opera")));
    }

    void doubleClickInAnOpenHierarchyLevelLabels() {
        window_->selection()->setRun(runs_.craft);
        window_->showView(QStringLiteral("hierarchy"));
        auto* view = window_->findChild<HierarchyView*>();
        const HierarchyData& data = view->data();
        int parent = -1;
        for (size_t i = 1; i < data.nodes.size() && parent < 0; ++i)
            if (!data.nodes[i].children.empty()) parent = int(i);
        QVERIFY(parent > 0);
        const int child = data.nodes[size_t(parent)].children[0];
        view->drillInto(parent);
        QTest::mouseDClick(view->canvas(), Qt::LeftButton, Qt::NoModifier, view->anchorOf(child).toPoint());
        QTRY_VERIFY(labelEditor(*window_));
        QCOMPARE(window_->selection()->conceptId(), data.nodes[size_t(child)].itemId);
        labelEditor(*window_)->reject();
        QTRY_VERIFY(labelEditor(*window_) == nullptr);
    }

    void labelsSurviveReopeningTheProject() {
        window_->session()->close();
        QVERIFY(window_->openProject(path_));
        auto* store = window_->session()->store();
        QVERIFY(store->label(LabelTarget::Concept, concept_));
        QCOMPARE(QString::fromStdString(store->label(LabelTarget::Latent, latent_)->text), QStringLiteral("space opera"));
        window_->selection()->setRun(runs_.craft);
        QTRY_VERIFY(cardTitle(window_->findChild<ConceptAtlas*>(), concept_).contains(QStringLiteral("striped upper")));
    }

    void ctrlFFindsLabelsNotesAndTagsAndEnterShowsTheHit() {
        activate();
        QTest::keyClick(window_, Qt::Key_F, Qt::ControlModifier);
        QTRY_VERIFY(window_->findChild<SearchDialog*>());
        SearchDialog* search = window_->findChild<SearchDialog*>();
        QTRY_VERIFY(search->isVisible());
        search->setQuery(QStringLiteral("ZEBRAS"));  // the note, in another case
        QTreeWidget* results = search->results();
        QCOMPARE(results->topLevelItemCount(), 1);
        QCOMPARE(results->topLevelItem(0)->childCount(), 1);
        QVERIFY(results->topLevelItem(0)->child(0)->text(1).startsWith(QStringLiteral("note:")));

        window_->selection()->setRun(runs_.sae);
        auto* query = search->findChild<QLineEdit*>(QStringLiteral("searchQuery"));
        QTest::keyClick(query, Qt::Key_Return);
        QCOMPARE(window_->selection()->runId(), qint64(runs_.craft));
        QCOMPARE(window_->selection()->conceptId(), concept_);
        QCOMPARE(window_->currentViewName(), QStringLiteral("atlas"));

        search->setQuery(QStringLiteral("space op"));
        QCOMPARE(results->topLevelItemCount(), 1);
        QTest::keyClick(query, Qt::Key_Return);
        QCOMPARE(window_->selection()->runId(), qint64(runs_.sae));
        QCOMPARE(window_->selection()->conceptId(), latent_);
        QCOMPARE(window_->currentViewName(), QStringLiteral("sae"));

        // A tag is found in the SAE run; the two CRAFT runs share engine names, so a name hits both.
        search->setQuery(QStringLiteral("sci-fi"));
        QCOMPARE(results->topLevelItemCount(), 1);
        QVERIFY(results->topLevelItem(0)->childCount() > 0);
        search->setQuery(QStringLiteral("toe cap"));
        QCOMPARE(results->topLevelItemCount(), 2);
        search->setQuery(QStringLiteral("no such words anywhere"));
        QCOMPARE(results->topLevelItemCount(), 0);
        search->close();
    }

private:
    void activate() {
        window_->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(window_));
    }

    // The first tag of a stored tags list (strings, as the fixture writes them).
    static std::string QJsonValueString(const std::string& tagsJson) {
        const auto first = tagsJson.find('"');
        if (first == std::string::npos) return {};
        return tagsJson.substr(first + 1, tagsJson.find('"', first + 1) - first - 1);
    }

    QTemporaryDir dir_;
    QString path_;
    cs::test::FixtureRuns runs_;
    StudioWindow* window_ = nullptr;
    qint64 concept_ = 0, latent_ = 0;
};

CS_GUI_TEST_MAIN(TestLabelsSearch)
#include "test_labels_search.moc"
