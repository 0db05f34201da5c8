#include "dialogs/search_dialog.h"

#include "services/project_session.h"

#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace cs::ui {

namespace {
// Item data: the hit's run, kind and row (a run's own item carries its run and kind Run).
constexpr int kRunRole = Qt::UserRole, kKindRole = Qt::UserRole + 1, kRowRole = Qt::UserRole + 2;
}  // namespace

SearchDialog::SearchDialog(ProjectSession* session, QWidget* parent) : QDialog(parent), session_(session) {
    setObjectName(QStringLiteral("searchDialog"));
    setWindowTitle(tr("Find in project"));
    resize(640, 480);
    auto* layout = new QVBoxLayout(this);
    query_ = new QLineEdit(this);
    query_->setObjectName(QStringLiteral("searchQuery"));
    query_->setPlaceholderText(tr("Labels, notes, latent tags, item-title words, run names…"));
    query_->setClearButtonEnabled(true);
    results_ = new QTreeWidget(this);
    results_->setObjectName(QStringLiteral("searchResults"));
    results_->setColumnCount(2);
    results_->setHeaderLabels({tr("Found"), tr("Matched")});
    results_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    status_ = new QLabel(this);
    layout->addWidget(query_);
    layout->addWidget(results_, 1);
    layout->addWidget(status_);
    connect(query_, &QLineEdit::textChanged, this, &SearchDialog::refresh);
    connect(query_, &QLineEdit::returnPressed, this, &SearchDialog::activateCurrent);
    connect(results_, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) { activate(item); });
    connect(session_, &ProjectSession::dataChanged, this, &SearchDialog::refresh);
    connect(session_, &ProjectSession::projectChanged, this, &SearchDialog::refresh);
    refresh();
}

void SearchDialog::setQuery(const QString& text) { query_->setText(text); }

void SearchDialog::refresh() {
    results_->clear();
    if (!session_->isOpen()) {
        status_->setText(tr("No project open."));
        return;
    }
    std::vector<results::RunSearchHits> found;
    try {
        found = results::searchProject(*session_->store(), query_->text().toStdString());
    } catch (const std::exception& e) {
        status_->setText(QString::fromStdString(e.what()));
        return;
    }
    int hits = 0;
    for (const auto& run : found) {
        auto* runItem = new QTreeWidgetItem(results_, {QString::fromStdString(run.runTitle)});
        runItem->setData(0, kRunRole, qint64(run.runId));
        runItem->setData(0, kKindRole, int(results::SearchHitKind::Run));
        runItem->setData(0, kRowRole, qint64(0));
        QFont bold = runItem->font(0);
        bold.setBold(true);
        runItem->setFont(0, bold);
        for (const auto& hit : run.hits) {
            ++hits;
            if (hit.kind == results::SearchHitKind::Run) {
                runItem->setText(1, tr("run name"));
                continue;
            }
            auto* item = new QTreeWidgetItem(runItem, {QString::fromStdString(hit.title),
                                                       QStringLiteral("%1: %2").arg(QString::fromStdString(hit.field),
                                                                                    QString::fromStdString(hit.matched))});
            item->setData(0, kRunRole, qint64(hit.runId));
            item->setData(0, kKindRole, int(hit.kind));
            item->setData(0, kRowRole, qint64(hit.rowId));
        }
    }
    results_->expandAll();
    if (QTreeWidgetItem* first = results_->topLevelItem(0))
        results_->setCurrentItem(first->childCount() > 0 ? first->child(0) : first);
    status_->setText(query_->text().trimmed().isEmpty() ? tr("Type to search.")
                                                        : tr("%n result(s)", nullptr, hits) + tr(" in %n run(s)", nullptr, int(found.size())));
}

bool SearchDialog::activateCurrent() {
    QTreeWidgetItem* item = results_->currentItem();
    if (!item) item = results_->topLevelItem(0);
    if (!item) return false;
    activate(item);
    return true;
}

void SearchDialog::activate(QTreeWidgetItem* item) {
    if (!item) return;
    emit hitActivated(item->data(0, kRunRole).toLongLong(), results::SearchHitKind(item->data(0, kKindRole).toInt()),
                      item->data(0, kRowRole).toLongLong());
}

}  // namespace cs::ui
