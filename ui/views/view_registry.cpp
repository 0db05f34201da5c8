#include "views/view_registry.h"

#include "views/concept_atlas.h"
#include "views/heatmap_view.h"
#include "views/hierarchy_view.h"

namespace cs::ui {

QList<RunViewEntry> createRunViews(ProjectSession* session, ConceptSelection* selection, JobMonitor*, QWidget* parent) {
    QList<RunViewEntry> views;
    views.append({QStringLiteral("atlas"), QObject::tr("Concept Atlas"), new ConceptAtlas(session, selection, parent)});
    views.append({QStringLiteral("heatmap"), QObject::tr("Heatmaps"), new HeatmapView(session, selection, parent)});
    views.append({QStringLiteral("hierarchy"), QObject::tr("Hierarchy"), new HierarchyView(session, selection, parent)});
    return views;
}

}  // namespace cs::ui
