#pragma once
// ProjectExplorer: the project's models, datasets, runs (with their status) and sweeps, read from
// the store. Selecting a run makes it the current run of the shared selection; activating a sweep
// asks for the sweep view on it.
#include <QWidget>

class QTreeWidget;
class QTreeWidgetItem;
class QLabel;

namespace cs::ui {

class ProjectSession;
class ConceptSelection;

class ProjectExplorer : public QWidget {
    Q_OBJECT
public:
    ProjectExplorer(ProjectSession* session, ConceptSelection* selection, QWidget* parent = nullptr);
    void reload();
    QTreeWidget* tree() const { return tree_; }

signals:
    void runActivated(qint64 runId);      // double-click or Enter on a run
    void sweepActivated(qint64 sweepId);  // double-click or Enter on a sweep
    void comparisonActivated(qint64 groupId);  // ... on a method comparison
    void loadFailed(const QString& message);

private:
    void onCurrentItemChanged(QTreeWidgetItem* current);
    void syncSelection();

    ProjectSession* session_;
    ConceptSelection* selection_;
    QLabel* header_;
    QTreeWidget* tree_;
    QTreeWidgetItem* models_ = nullptr;
    QTreeWidgetItem* datasets_ = nullptr;
    QTreeWidgetItem* runs_ = nullptr;
};

// The status colour used for runs everywhere (explorer, run panel).
QColor runStatusColor(const QString& status);

}  // namespace cs::ui
