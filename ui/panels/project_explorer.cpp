#include "panels/project_explorer.h"

#include "services/project_session.h"
#include "services/selection_model.h"
#include "store/project_store.h"

#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace cs::ui {

namespace {
constexpr int kRunIdRole = Qt::UserRole + 1;
constexpr int kSweepIdRole = Qt::UserRole + 2;
constexpr int kComparisonIdRole = Qt::UserRole + 3;

QIcon statusIcon(const QColor& color) {
    QPixmap pixmap(12, 12);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setBrush(color);
    painter.setPen(color.darker(140));
    painter.drawEllipse(1, 1, 10, 10);
    return QIcon(pixmap);
}
}  // namespace

QColor runStatusColor(const QString& status) {
    if (status == QLatin1String("done")) return QColor(60, 170, 80);
    if (status == QLatin1String("running") || status == QLatin1String("queued")) return QColor(60, 130, 220);
    if (status == QLatin1String("failed")) return QColor(210, 60, 60);
    return QColor(150, 150, 150);  // cancelled, interrupted
}

ProjectExplorer::ProjectExplorer(ProjectSession* session, ConceptSelection* selection, QWidget* parent)
    : QWidget(parent), session_(session), selection_(selection) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    header_ = new QLabel(this);
    header_->setWordWrap(true);
    tree_ = new QTreeWidget(this);
    tree_->setObjectName(QStringLiteral("projectTree"));
    tree_->setColumnCount(2);
    tree_->setHeaderLabels({tr("Item"), tr("Status")});
    tree_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    tree_->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    tree_->setUniformRowHeights(true);
    layout->addWidget(header_);
    layout->addWidget(tree_);

    connect(tree_, &QTreeWidget::currentItemChanged, this,
            [this](QTreeWidgetItem* current, QTreeWidgetItem*) { onCurrentItemChanged(current); });
    connect(tree_, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item, int) {
        const QVariant id = item->data(0, kRunIdRole);
        if (id.isValid()) emit runActivated(id.toLongLong());
        const QVariant sweep = item->data(0, kSweepIdRole);
        if (sweep.isValid()) emit sweepActivated(sweep.toLongLong());
        const QVariant comparison = item->data(0, kComparisonIdRole);
        if (comparison.isValid()) emit comparisonActivated(comparison.toLongLong());
    });
    connect(session_, &ProjectSession::projectChanged, this, &ProjectExplorer::reload);
    connect(session_, &ProjectSession::dataChanged, this, &ProjectExplorer::reload);
    connect(selection_, &ConceptSelection::runChanged, this, &ProjectExplorer::syncSelection);
    reload();
}

void ProjectExplorer::reload() {
    const QSignalBlocker blocker(tree_);
    tree_->clear();
    models_ = datasets_ = runs_ = nullptr;
    if (!session_->isOpen()) {
        header_->setText(tr("No project open. Use File ▸ Open or File ▸ Open Demo Project."));
        return;
    }
    header_->setText(QStringLiteral("<b>%1</b>").arg(session_->displayName().toHtmlEscaped()));
    header_->setToolTip(session_->path());
    try {
        const auto* store = session_->store();
        const auto models = store->models();
        const auto datasets = store->datasets();
        const auto runs = store->runs();
        models_ = new QTreeWidgetItem(tree_, {tr("Models (%1)").arg(models.size())});
        for (const auto& m : models) {
            auto* item = new QTreeWidgetItem(models_, {QFileInfo(QString::fromStdString(m.path)).fileName(),
                                                       QString::fromStdString(m.kind)});
            item->setToolTip(0, tr("%1\nadapter: %2\nsha256: %3")
                                    .arg(QString::fromStdString(m.path), QString::fromStdString(m.adapter),
                                         QString::fromStdString(m.sha256).left(16)));
        }
        datasets_ = new QTreeWidgetItem(tree_, {tr("Datasets (%1)").arg(datasets.size())});
        for (const auto& d : datasets) {
            auto* item = new QTreeWidgetItem(datasets_, {QFileInfo(QString::fromStdString(d.path)).fileName(),
                                                         QString::fromStdString(d.kind)});
            item->setToolTip(0, QString::fromStdString(d.path));
        }
        runs_ = new QTreeWidgetItem(tree_, {tr("Runs (%1)").arg(runs.size())});
        for (const auto& r : runs) {
            const QString status = QString::fromLatin1(store::toString(r.status));
            auto* item = new QTreeWidgetItem(
                runs_, {tr("#%1 %2").arg(r.id).arg(QString::fromStdString(r.kind)), status});
            item->setData(0, kRunIdRole, qint64(r.id));
            item->setIcon(1, statusIcon(runStatusColor(status)));
            QString tip = tr("created %1").arg(QString::fromStdString(r.createdAt));
            if (!r.finishedAt.empty()) tip += tr("\nfinished %1").arg(QString::fromStdString(r.finishedAt));
            if (!r.error.empty()) tip += QStringLiteral("\n") + QString::fromStdString(r.error);
            item->setToolTip(0, tip);
            item->setToolTip(1, tip);
        }
        // Groups: method comparisons (craft with several methods) and sweeps, each under its heading.
        auto groups = store->sweeps();
        const auto comparisons = std::stable_partition(groups.begin(), groups.end(), [](const auto& g) { return g.kind == "comparison"; });
        if (comparisons != groups.begin()) {
            auto* heading = new QTreeWidgetItem(tree_, {tr("Method comparisons (%1)").arg(comparisons - groups.begin())});
            for (auto g = groups.begin(); g != comparisons; ++g) {
                auto* item = new QTreeWidgetItem(heading, {QString::fromStdString(g->name), tr("%1 runs").arg(g->runCount)});
                item->setData(0, kComparisonIdRole, qint64(g->id));
                item->setToolTip(0, tr("Methods compared on one activation pass, %1\nDouble-click to compare them in the Methods view")
                                        .arg(QString::fromStdString(g->createdAt)));
            }
        }
        if (comparisons != groups.end()) {
            auto* sweepsItem = new QTreeWidgetItem(tree_, {tr("Sweeps (%1)").arg(groups.end() - comparisons)});
            for (auto sweep = comparisons; sweep != groups.end(); ++sweep) {
                auto* item = new QTreeWidgetItem(sweepsItem, {QString::fromStdString(sweep->name), tr("%1 runs").arg(sweep->runCount)});
                item->setData(0, kSweepIdRole, qint64(sweep->id));
                item->setToolTip(0, tr("%1 sweep, planned %2\n%3\nDouble-click to list its runs side by side")
                                        .arg(QString::fromStdString(sweep->kind), QString::fromStdString(sweep->createdAt),
                                             QString::fromStdString(sweep->folder)));
            }
        }
        tree_->expandAll();
    } catch (const std::exception& e) {
        emit loadFailed(QString::fromStdString(e.what()));
    }
    syncSelection();
}

void ProjectExplorer::syncSelection() {
    if (!runs_) return;
    const QSignalBlocker blocker(tree_);
    for (int i = 0; i < runs_->childCount(); ++i) {
        if (runs_->child(i)->data(0, kRunIdRole).toLongLong() == selection_->runId()) {
            tree_->setCurrentItem(runs_->child(i));
            return;
        }
    }
}

void ProjectExplorer::onCurrentItemChanged(QTreeWidgetItem* current) {
    if (!current) return;
    const QVariant id = current->data(0, kRunIdRole);
    if (id.isValid()) selection_->setRun(id.toLongLong());
}

}  // namespace cs::ui
