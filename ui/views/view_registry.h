#pragma once
// The run views shown as tabs of the main window, in order. Each reads the store through the
// session and follows the shared selection.
#include <QList>
#include <QString>

class QWidget;

namespace cs::ui {

class ProjectSession;
class ConceptSelection;
class JobMonitor;

struct RunViewEntry {
    QString name;   // stable id for --view and tests: atlas, heatmap, hierarchy, sae, compare, sweep
    QString title;  // tab text
    QWidget* widget = nullptr;
};

QList<RunViewEntry> createRunViews(ProjectSession* session, ConceptSelection* selection, JobMonitor* jobs,
                                   QWidget* parent);

}  // namespace cs::ui
