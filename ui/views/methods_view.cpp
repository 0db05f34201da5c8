#include "views/methods_view.h"

#include "metrics/run_comparison.h"
#include "services/project_session.h"
#include "services/selection_model.h"
#include "services/theme.h"
#include "store/project_store.h"
#include "views/compare_view.h"
#include "views/method_plots.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace cs::ui {

namespace {

constexpr int kRunIdRole = Qt::UserRole + 1;

// One colour per dictionary, so a family's runs read as one in the plots.
QColor dictionaryColor(const std::string& dictionary) {
    static const std::vector<std::string> known{"nmf", "semi-nmf", "pca", "kmeans", "sae", "archetypal"};
    const auto it = std::find(known.begin(), known.end(), dictionary);
    return conceptColor(int(it == known.end() ? known.size() : size_t(it - known.begin())));
}

// A figure sorted by its value; empty (sorted first) when the run has none.
class NumberItem : public QTableWidgetItem {
public:
    explicit NumberItem(std::optional<double> value) : value_(value) {
        if (value) setText(QString::number(*value, 'g', 4));
        setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    bool operator<(const QTableWidgetItem& other) const override {
        return value_.value_or(-1e300) < static_cast<const NumberItem&>(other).value_.value_or(-1e300);
    }

private:
    std::optional<double> value_;
};

// Solid, dashed, dotted, ... by the estimator's first appearance.
Qt::PenStyle estimatorStyle(const QString& estimator, QStringList& seen) {
    if (!seen.contains(estimator)) seen << estimator;
    static const Qt::PenStyle styles[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine, Qt::DashDotDotLine};
    return styles[seen.indexOf(estimator) % 5];
}

QString runLabel(const metrics::ComparedRun& run) {
    return QStringLiteral("#%1 %2 × %3").arg(run.runId).arg(QString::fromStdString(run.dictionary), QString::fromStdString(run.importance));
}

}  // namespace

MethodsView::MethodsView(ProjectSession* session, ConceptSelection* selection, QWidget* parent)
    : QWidget(parent), session_(session), selection_(selection) {
    auto* layout = new QVBoxLayout(this);
    auto* bar = new QHBoxLayout;
    groups_ = new QComboBox(this);
    groups_->setObjectName(QStringLiteral("methodsGroup"));
    groups_->setToolTip(tr("A method comparison (several dictionaries or importance estimators in the New Run dialog) or a sweep of CRAFT runs"));
    bar->addWidget(new QLabel(tr("Comparison:"), this));
    bar->addWidget(groups_, 1);
    layout->addLayout(bar);
    summary_ = new QLabel(this);
    summary_->setWordWrap(true);
    layout->addWidget(summary_);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    table_ = new QTableWidget(splitter);
    table_->setObjectName(QStringLiteral("methodsTable"));
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    auto* plots = new QWidget(splitter);
    auto* plotRow = new QHBoxLayout(plots);
    plotRow->setContentsMargins(0, 0, 0, 0);
    tradeOff_ = new SparsityFidelityPlot(plots);
    deletion_ = new CurvePlot(tr("C-Deletion (lower is better)"), tr("share of concepts removed"), plots);
    insertion_ = new CurvePlot(tr("C-Insertion (higher is better)"), tr("share of concepts added"), plots);
    deletion_->setToolTip(tr("The class logit as each image's concepts are removed, most important first: a good importance makes it fall fast"));
    insertion_->setToolTip(tr("The class logit as the concepts are added back in the same order: a good importance makes it rise fast"));
    plotRow->addWidget(tradeOff_, 4);
    plotRow->addWidget(deletion_, 3);
    plotRow->addWidget(insertion_, 3);
    matching_ = new CompareView(session, selection, splitter);
    splitter->addWidget(table_);
    splitter->addWidget(plots);
    splitter->addWidget(matching_);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setStretchFactor(2, 3);
    layout->addWidget(splitter, 1);

    connect(groups_, &QComboBox::currentIndexChanged, this, &MethodsView::fillGroup);
    connect(table_, &QTableWidget::currentCellChanged, this, [this](int row) {
        if (row >= 0 && table_->item(row, 0)) highlightRun(table_->item(row, 0)->data(kRunIdRole).toLongLong());
    });
    connect(table_, &QTableWidget::cellDoubleClicked, this, [this](int row) {
        const qint64 runId = table_->item(row, 0)->data(kRunIdRole).toLongLong();
        selection_->setRun(runId);
        emit runActivated(runId);
    });
    connect(tradeOff_, &SparsityFidelityPlot::runClicked, this, [this](qint64 runId) {
        for (int row = 0; row < table_->rowCount(); ++row)
            if (table_->item(row, 0)->data(kRunIdRole).toLongLong() == runId) table_->selectRow(row);
    });
    connect(session_, &ProjectSession::projectChanged, this, &MethodsView::reload);
    connect(session_, &ProjectSession::dataChanged, this, &MethodsView::reload);
    reload();
}

qint64 MethodsView::groupId() const { return groups_->currentData().toLongLong(); }

void MethodsView::showGroup(qint64 groupId) {
    const int index = groups_->findData(groupId);
    if (index >= 0) groups_->setCurrentIndex(index);
    fillGroup();  // also when the index did not change
}

// Groups with CRAFT runs: comparisons first (newest first), then CRAFT sweeps.
void MethodsView::reload() {
    const qint64 current = groupId();
    const QSignalBlocker blocker(groups_);
    groups_->clear();
    if (session_->isOpen()) {
        try {
            auto groups = session_->store()->sweeps();
            std::stable_partition(groups.begin(), groups.end(), [](const auto& g) { return g.kind == "comparison"; });
            for (const auto& group : groups)
                if (group.kind == "comparison" || group.kind == "craft")
                    groups_->addItem(tr("%1 (%2 runs)").arg(QString::fromStdString(group.name)).arg(group.runCount), qint64(group.id));
        } catch (const std::exception& e) {
            summary_->setText(QString::fromStdString(e.what()));
        }
    }
    const int index = groups_->findData(current);
    groups_->setCurrentIndex(index >= 0 ? index : 0);
    fillGroup();
}

void MethodsView::fillGroup() {
    runIds_.clear();
    table_->clear();
    table_->setRowCount(0);
    tradeOff_->setPoints({});
    deletion_->setCurves({});
    insertion_->setCurves({});
    if (!session_->isOpen() || groups_->count() == 0) {
        summary_->setText(tr("No method comparison in this project yet. In New Run, tick several dictionaries or importance "
                             "estimators: their runs share one activation pass and are compared here."));
        matching_->limitToRuns({});
        return;
    }
    const store::ProjectStore& store = *session_->store();
    metrics::RunComparison comparison;
    try {
        for (const auto& member : store.sweepRuns(groupId())) {
            const auto run = store.run(member.runId);
            if (run && run->kind == "craft" && run->status == store::RunStatus::Done) runIds_.append(member.runId);
        }
        std::vector<int64_t> ids(runIds_.begin(), runIds_.end());
        comparison = metrics::compareRuns(store, session_->path().toStdString(), ids);
    } catch (const std::exception& e) {
        summary_->setText(QString::fromStdString(e.what()));
        return;
    }

    QStringList headings{tr("Run"), tr("Dictionary"), tr("Importance"), tr("Concepts")};
    for (const auto& column : metrics::metricColumns())
        headings << QString::fromStdString(column.heading) + (column.higherIsBetter ? QStringLiteral(" ↑") : QStringLiteral(" ↓"));
    table_->setColumnCount(int(headings.size()));
    table_->setHorizontalHeaderLabels(headings);
    table_->setSortingEnabled(false);
    table_->setRowCount(int(comparison.runs.size()));
    QList<MethodPoint> points;
    QList<MethodCurve> deletions, insertions;
    QStringList estimators;  // in order of appearance: each gets its line style
    for (int row = 0; row < int(comparison.runs.size()); ++row) {
        const auto& run = comparison.runs[size_t(row)];
        const QColor color = dictionaryColor(run.dictionary);
        auto* id = new NumberItem(double(run.runId));
        id->setText(QStringLiteral("#%1").arg(run.runId));
        id->setData(kRunIdRole, qint64(run.runId));
        QPixmap swatch(12, 12);
        swatch.fill(color);
        id->setIcon(QIcon(swatch));
        table_->setItem(row, 0, id);
        table_->setItem(row, 1, new QTableWidgetItem(QString::fromStdString(run.dictionary)));
        table_->setItem(row, 2, new QTableWidgetItem(QString::fromStdString(run.importance)));
        table_->setItem(row, 3, new NumberItem(double(run.conceptIds.size())));
        int column = 4;
        for (const auto& metric : metrics::metricColumns()) table_->setItem(row, column++, new NumberItem(metrics::metricValue(run.metrics, metric.key)));
        const auto& m = run.metrics;
        const QString dictionary = QString::fromStdString(run.dictionary), importance = QString::fromStdString(run.importance);
        if (m.sparsity && m.relativeReconstructionError)
            points.append({run.runId, runLabel(run), dictionary, color, *m.sparsity, *m.relativeReconstructionError});
        const Qt::PenStyle style = estimatorStyle(importance, estimators);
        if (!m.cDeletionCurve.empty()) deletions.append({run.runId, runLabel(run), dictionary, importance, color, style, m.cDeletionCurve});
        if (!m.cInsertionCurve.empty()) insertions.append({run.runId, runLabel(run), dictionary, importance, color, style, m.cInsertionCurve});
    }
    table_->setSortingEnabled(true);
    tradeOff_->setPoints(points);
    deletion_->setCurves(deletions);
    insertion_->setCurves(insertions);
    matching_->limitToRuns(runIds_);

    QStringList front;
    for (size_t i : tradeOff_->front()) front << points[int(i)].label;
    summary_->setText(tr("%1 finished runs. On the sparsity–fidelity front: %2. Double-click a run to open it; pick two runs below "
                         "to see which concepts of one reappear in the other.")
                          .arg(comparison.runs.size())
                          .arg(front.isEmpty() ? tr("none (no metrics)") : front.join(QStringLiteral(", "))));
    if (!runIds_.isEmpty()) table_->selectRow(0);
}

void MethodsView::highlightRun(qint64 runId) {
    tradeOff_->setHighlightedRun(runId);
    deletion_->setHighlightedRun(runId);
    insertion_->setHighlightedRun(runId);
}

}  // namespace cs::ui
