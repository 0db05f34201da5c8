#include "views/view_registry.h"

#include "views/hierarchy_view.h"

namespace cs::ui {

QList<RunViewEntry> createRunViews(ProjectSession* session, ConceptSelection* selection, JobMonitor*, QWidget* parent) {
    QList<RunViewEntry> views;
    views.append({QStringLiteral("hierarchy"), QObject::tr("Hierarchy"), new HierarchyView(session, selection, parent)});
    return views;
}

}  // namespace cs::ui
