#pragma once
// HierarchyView (VTK): the concept tree of a CRAFT run, or the latent hierarchy of a RecSAE run,
// drawn as nested convex polygons by the fat polygonal partition (core/layout, docs/layout.md):
// area = importance (or activation mass), colours shared with the atlas, labels at the
// polygons' poles of inaccessibility, best-crop thumbnails where they fit. Hover shows a
// tooltip, click selects (shared selection), double-click drills into a sub-tree, and a switch
// shows the squarified treemap for comparison.
#include "views/hierarchy_model.h"

#include <QColor>
#include <QRectF>
#include <QWidget>

#include <memory>
#include <vector>

class QComboBox;
class QLabel;
class QToolButton;

namespace cs::ui {

class ProjectSession;
class ConceptSelection;
class VtkViewWidget;

class HierarchyView : public QWidget {
    Q_OBJECT
public:
    HierarchyView(ProjectSession* session, ConceptSelection* selection, QWidget* parent = nullptr);
    ~HierarchyView() override;

    enum class Method { Fat, Squarified };
    void setMethod(Method method);
    Method method() const { return method_; }
    // Draws the sub-tree under node `index` of the loaded hierarchy (0 = everything).
    void drillInto(int nodeIndex);
    void drillUp();
    int drillRoot() const { return drillRoot_; }

    const HierarchyData& data() const { return data_; }
    // Node index shown at a widget point, -1 for none (uses VTK picking).
    int nodeAt(const QPoint& widgetPoint);
    // Widget point of a node's label anchor, for tests.
    QPointF anchorOf(int nodeIndex) const;
    int drawnCellCount() const { return int(cellNode_.size()); }
    double maxAspectRatio() const { return maxAspect_; }
    VtkViewWidget* canvas() const { return canvas_; }
    QString statusText() const;

public slots:
    void reload();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void rebuildScene();
    // The steps of rebuildScene.
    void updateBreadcrumb();
    void showSceneMessage(const QString& text);
    // Thumbnail and label of one drawn cell, where they fit in `room` (world units); labels that
    // would overlap one in `placedLabels` are left out.
    void decorateCell(int nodeIndex, int depth, const QRectF& room, double z, const QColor& fill, double pxPerUnit,
                      double width, std::vector<QRectF>& placedLabels);
    void fitCamera(double width, double height);
    void updateSelectionOutline();
    void onHover(const QPoint& point);
    void onClick(const QPoint& point, Qt::MouseButton button);
    void onDoubleClick(const QPoint& point);

    ProjectSession* session_;
    ConceptSelection* selection_;
    VtkViewWidget* canvas_;
    QComboBox* methodBox_;
    QToolButton* upButton_;
    QLabel* breadcrumb_;
    QLabel* status_;

    HierarchyData data_;
    Method method_ = Method::Fat;
    int drillRoot_ = 0;
    std::vector<int> cellNode_;                 // fill cell id -> node index
    std::vector<std::vector<double>> polygons_; // node index -> flattened x,y (empty when not drawn)
    std::vector<QPointF> anchors_;              // node index -> label anchor (world)
    double maxAspect_ = 0;
    int hoverNode_ = -1;
    QSize builtFor_;           // canvas size the scene was laid out for
    class QTimer* relayout_ = nullptr;

    struct Scene;
    std::unique_ptr<Scene> scene_;
};

}  // namespace cs::ui
