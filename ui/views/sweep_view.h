#pragma once
// SweepView: the runs of one sweep (docs/cluster.md) side by side, one row per shard, sortable by
// any column; double-clicking a row opens its run. A CRAFT sweep shows per class the concept count,
// the top concept and its importance and the dictionary's error; a RecSAE grid shows per point the
// latents, k, seed, FVU, L0, dead latents and the NDCG the SAE keeps. The sweep shown follows the
// current run when that run belongs to one, and can be picked from the project's sweeps.
#include <QWidget>

class QComboBox;
class QLabel;
class QTableWidget;

namespace cs::ui {

class ProjectSession;
class ConceptSelection;

class SweepView : public QWidget {
    Q_OBJECT
public:
    SweepView(ProjectSession* session, ConceptSelection* selection, QWidget* parent = nullptr);
    void showSweep(qint64 sweepId);
    qint64 sweepId() const;
    QTableWidget* table() const { return table_; }
    QComboBox* sweepChooser() const { return sweeps_; }

    // The run id of a table row (in its current sort order).
    qint64 runIdAt(int row) const;

signals:
    void runActivated(qint64 runId);  // a row was double-clicked: its run is now the current run

public slots:
    void reload();

private:
    void fillTable();
    void followRun(qint64 runId);

    ProjectSession* session_;
    ConceptSelection* selection_;
    QComboBox* sweeps_;
    QLabel* summary_;
    QTableWidget* table_;
};

}  // namespace cs::ui
