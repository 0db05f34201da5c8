#pragma once
// MethodsView: the runs of a method comparison side by side (docs/craft.md "Comparing methods",
// Holistic CRAFT): the same model, layer, class and crops explained by several dictionaries and
// importance estimators. It shows
//   - a table of every run's metrics (metrics/run_comparison.h, the same reader as `compare`);
//   - the sparsity–fidelity plane (L0 against relative error) with the runs' Pareto front;
//   - the C-Deletion and C-Insertion curves of every run overlaid;
//   - the concept matching of any two runs (CompareView, limited to the group), a pair opening both
//     concepts' crops and maps side by side.
// A group is a comparison started with several methods, or any sweep of CRAFT runs; selecting a
// run anywhere (table, plot) highlights it everywhere, and double-clicking it opens it.
#include <QList>
#include <QWidget>

class QComboBox;
class QLabel;
class QTableWidget;

namespace cs::ui {

class ProjectSession;
class ConceptSelection;
class CompareView;
class CurvePlot;
class SparsityFidelityPlot;

class MethodsView : public QWidget {
    Q_OBJECT
public:
    MethodsView(ProjectSession* session, ConceptSelection* selection, QWidget* parent = nullptr);
    void showGroup(qint64 groupId);
    qint64 groupId() const;
    // The finished CRAFT runs shown, in the group's order.
    const QList<qint64>& runIds() const { return runIds_; }

    QComboBox* groupChooser() const { return groups_; }
    QTableWidget* table() const { return table_; }
    SparsityFidelityPlot* tradeOffPlot() const { return tradeOff_; }
    CurvePlot* deletionPlot() const { return deletion_; }
    CurvePlot* insertionPlot() const { return insertion_; }
    CompareView* matching() const { return matching_; }

signals:
    void runActivated(qint64 runId);  // a row was double-clicked: its run is now the current run

public slots:
    void reload();

private:
    void fillGroup();
    void highlightRun(qint64 runId);

    ProjectSession* session_;
    ConceptSelection* selection_;
    QComboBox* groups_;
    QLabel* summary_;
    QTableWidget* table_;
    SparsityFidelityPlot* tradeOff_;
    CurvePlot* deletion_;
    CurvePlot* insertion_;
    CompareView* matching_;
    QList<qint64> runIds_;
};

}  // namespace cs::ui
