#include "views/sweep_view.h"

#include "panels/project_explorer.h"
#include "services/project_session.h"
#include "services/selection_model.h"
#include "store/project_store.h"

#include <nlohmann/json.hpp>

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>
#include <optional>

namespace cs::ui {

namespace {
using json = nlohmann::json;
constexpr int kRunIdRole = Qt::UserRole + 1;

// A figure shown with a fixed number of decimals and sorted by its value; an empty cell (sorted
// first) when the run did not record it.
class NumberItem : public QTableWidgetItem {
public:
    NumberItem(const json& value, int decimals) {
        if (!value.is_number()) return;
        value_ = value.get<double>();
        setText(value.is_number_integer() ? QString::number(value.get<qlonglong>()) : QString::number(value_, 'f', decimals));
        setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    double value() const { return value_; }
    bool operator<(const QTableWidgetItem& other) const override {
        return value_ < static_cast<const NumberItem&>(other).value_;
    }

private:
    double value_ = -std::numeric_limits<double>::infinity();
};

QTableWidgetItem* numberCell(const json& value, int decimals = 3) { return new NumberItem(value, decimals); }

QTableWidgetItem* textCell(const QString& text) { return new QTableWidgetItem(text); }

json parsed(const std::string& text) {
    json j = json::parse(text, nullptr, false);
    return j.is_object() ? j : json::object();
}

json at(const json& object, const char* key) { return object.is_object() && object.contains(key) ? object[key] : json(); }

// Columns after Shard, Run and Status.
QStringList craftColumns() {
    return {QObject::tr("Concepts"), QObject::tr("Top concept"), QObject::tr("Top importance"), QObject::tr("Relative error"),
            QObject::tr("C-Deletion"), QObject::tr("C-Insertion")};
}
QStringList recSaeColumns() {
    return {QObject::tr("Latents"), QObject::tr("k"), QObject::tr("Seed"), QObject::tr("FVU"), QObject::tr("L0"),
            QObject::tr("Dead %"), QObject::tr("NDCG kept")};
}

// The top-level concepts' count and the most important one (its user label, else its own).
QList<QTableWidgetItem*> craftCells(const store::ProjectStore& store, const store::RunRecord& run) {
    const json metrics = at(parsed(run.summaryJson), "metrics");
    int topLevel = 0;
    std::optional<store::ConceptRecord> top;  // the most important top-level concept
    for (const auto& concept : store.concepts(run.id)) {
        if (concept.parentId) continue;
        ++topLevel;
        if (!top || concept.importance > top->importance) top = concept;
    }
    QString topName;
    if (top) {
        const auto label = store.label(store::LabelTarget::Concept, top->id);
        topName = label && !label->text.empty() ? QString::fromStdString(label->text)
                  : !top->label.empty()        ? QString::fromStdString(top->label)
                                               : QObject::tr("concept %1").arg(top->index + 1);
    }
    return {numberCell(run.status == store::RunStatus::Done ? json(topLevel) : json()), textCell(topName),
            numberCell(top ? json(top->importance) : json()), numberCell(at(metrics, "relative_reconstruction_error")),
            numberCell(at(metrics, "c_deletion")), numberCell(at(metrics, "c_insertion"))};
}

QList<QTableWidgetItem*> recSaeCells(const store::RunRecord& run) {
    const json summary = parsed(run.summaryJson), parameters = parsed(run.parametersJson);
    const json dead = at(summary, "dead_fraction");
    return {numberCell(at(summary, "n_latents")),
            numberCell(at(summary, "k").is_null() ? at(parameters, "k") : at(summary, "k")),
            numberCell(at(parameters, "seed")),
            numberCell(at(summary, "fvu"), 4),
            numberCell(at(summary, "l0"), 1),
            numberCell(dead.is_number() ? json(100.0 * dead.get<double>()) : json(), 1),
            numberCell(at(at(summary, "metrics"), "ndcg_kept"))};
}
}  // namespace

SweepView::SweepView(ProjectSession* session, ConceptSelection* selection, QWidget* parent)
    : QWidget(parent), session_(session), selection_(selection) {
    auto* layout = new QVBoxLayout(this);
    auto* top = new QHBoxLayout;
    sweeps_ = new QComboBox(this);
    sweeps_->setObjectName(QStringLiteral("sweepChooser"));
    sweeps_->setToolTip(tr("The project's sweeps, newest first (merged from their sweep folders)"));
    top->addWidget(new QLabel(tr("Sweep"), this));
    top->addWidget(sweeps_, 1);
    layout->addLayout(top);
    summary_ = new QLabel(this);
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(summary_);
    table_ = new QTableWidget(this);
    table_->setObjectName(QStringLiteral("sweepRuns"));
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->verticalHeader()->hide();
    table_->setToolTip(tr("Click a column header to sort; double-click a row to open its run"));
    layout->addWidget(table_, 1);

    connect(sweeps_, &QComboBox::currentIndexChanged, this, &SweepView::fillTable);
    connect(table_, &QTableWidget::cellDoubleClicked, this, [this](int row) {
        const qint64 runId = runIdAt(row);
        if (runId <= 0) return;
        selection_->setRun(runId);
        emit runActivated(runId);
    });
    connect(session_, &ProjectSession::projectChanged, this, &SweepView::reload);
    connect(session_, &ProjectSession::dataChanged, this, &SweepView::reload);
    connect(selection_, &ConceptSelection::runChanged, this, &SweepView::followRun);
    reload();
}

qint64 SweepView::sweepId() const { return sweeps_->currentData().toLongLong(); }

qint64 SweepView::runIdAt(int row) const {
    const QTableWidgetItem* item = row >= 0 && row < table_->rowCount() ? table_->item(row, 1) : nullptr;
    return item ? item->data(kRunIdRole).toLongLong() : 0;
}

void SweepView::showSweep(qint64 sweepId) {
    const int index = sweeps_->findData(sweepId);
    if (index >= 0) sweeps_->setCurrentIndex(index);
}

void SweepView::reload() {
    const qint64 shown = sweepId();
    {
        const QSignalBlocker blocker(sweeps_);
        sweeps_->clear();
        if (session_->isOpen()) {
            for (const auto& sweep : session_->store()->sweeps())
                sweeps_->addItem(tr("%1 · %2 · %3 runs").arg(QString::fromStdString(sweep.name), QString::fromStdString(sweep.kind)).arg(sweep.runCount),
                                 qint64(sweep.id));
        }
        const int index = sweeps_->findData(shown);
        if (index >= 0) sweeps_->setCurrentIndex(index);
    }
    fillTable();
}

void SweepView::followRun(qint64 runId) {
    if (!session_->isOpen() || runId <= 0) return;
    if (const auto sweep = session_->store()->sweepOfRun(runId); sweep && *sweep != sweepId()) showSweep(*sweep);
}

void SweepView::fillTable() {
    table_->setSortingEnabled(false);
    table_->clear();
    table_->setRowCount(0);
    const qint64 id = sweepId();
    if (!session_->isOpen() || id <= 0) {
        summary_->setText(tr("No sweep in this project. Run one from Run ▸ New Run (several classes, a RecSAE grid, or Slurm); "
                             "its runs are merged here when its shards finish."));
        table_->setColumnCount(0);
        return;
    }
    const auto* store = session_->store();
    const auto sweeps = store->sweeps();
    const auto sweep = std::find_if(sweeps.begin(), sweeps.end(), [id](const store::SweepRecord& s) { return s.id == id; });
    if (sweep == sweeps.end()) return;
    const bool craft = sweep->kind == "craft";
    summary_->setText(tr("%1 sweep of %2 runs, planned %3, merged from %4")
                          .arg(craft ? tr("CRAFT") : tr("RecSAE"))
                          .arg(sweep->runCount)
                          .arg(QString::fromStdString(sweep->createdAt), QString::fromStdString(sweep->folder)));
    table_->setHorizontalHeaderLabels({});
    const QStringList columns = QStringList{tr("Shard"), tr("Run"), tr("Status")} + (craft ? craftColumns() : recSaeColumns());
    table_->setColumnCount(int(columns.size()));
    table_->setHorizontalHeaderLabels(columns);
    for (const auto& member : store->sweepRuns(id)) {
        const auto run = store->run(member.runId);
        if (!run) continue;
        const int row = table_->rowCount();
        table_->insertRow(row);
        table_->setItem(row, 0, textCell(QString::fromStdString(member.shardName)));
        auto* runCell = numberCell(json(run->id));
        runCell->setData(kRunIdRole, qint64(run->id));
        table_->setItem(row, 1, runCell);
        const QString status = QString::fromLatin1(store::toString(run->status));
        auto* statusCell = textCell(status);
        statusCell->setForeground(runStatusColor(status));
        table_->setItem(row, 2, statusCell);
        const auto cells = craft ? craftCells(*store, *run) : recSaeCells(*run);
        for (int c = 0; c < cells.size(); ++c) table_->setItem(row, 3 + c, cells[c]);
    }
    table_->setSortingEnabled(true);
    table_->resizeColumnsToContents();
    table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);  // the shard's name takes the room left
}

}  // namespace cs::ui
