#include "views/view_registry.h"

#include "views/compare_view.h"
#include "views/concept_atlas.h"
#include "views/heatmap_view.h"
#include "views/hierarchy_view.h"
#include "views/methods_view.h"
#include "views/sae_dashboard.h"
#include "views/sweep_view.h"

namespace cs::ui {

QList<RunViewEntry> createRunViews(ProjectSession* session, ConceptSelection* selection, JobMonitor*, QWidget* parent) {
    QList<RunViewEntry> views;
    views.append({QStringLiteral("atlas"), QObject::tr("Concept Atlas"), new ConceptAtlas(session, selection, parent)});
    views.append({QStringLiteral("heatmap"), QObject::tr("Heatmaps"), new HeatmapView(session, selection, parent)});
    views.append({QStringLiteral("hierarchy"), QObject::tr("Hierarchy"), new HierarchyView(session, selection, parent)});
    views.append({QStringLiteral("sae"), QObject::tr("SAE Dashboard"), new SaeDashboard(session, selection, parent)});
    views.append({QStringLiteral("compare"), QObject::tr("Compare Runs"), new CompareView(session, selection, parent)});
    views.append({QStringLiteral("methods"), QObject::tr("Methods"), new MethodsView(session, selection, parent)});
    views.append({QStringLiteral("sweep"), QObject::tr("Sweep"), new SweepView(session, selection, parent)});
    return views;
}

}  // namespace cs::ui
