#include "views/hierarchy_view.h"

#include "services/label_edits.h"
#include "services/project_session.h"
#include "services/selection_model.h"
#include "services/theme.h"
#include "vtk/pan_zoom_style.h"
#include "vtk/vtk_view_widget.h"

#include "layout/layout.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QRectF>
#include <QToolButton>
#include <QEvent>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkCellData.h>
#include <vtkFloatArray.h>
#include <vtkImageData.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkTexture.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

namespace cs::ui {

struct HierarchyView::Scene {
    vtkSmartPointer<vtkActor> fill, outline, topOutline, selectionOutline;
    std::vector<vtkSmartPointer<vtkTextActor>> labels;
    std::vector<vtkSmartPointer<vtkActor>> thumbnails;

    void clear(vtkRenderer* renderer) {
        renderer->RemoveAllViewProps();
        labels.clear();
        thumbnails.clear();
        fill = outline = topOutline = selectionOutline = nullptr;
    }
};

namespace {
constexpr double kDepthStep = 0.001;  // children drawn above parents, so picking finds the deepest

QColor nodeColor(const HierarchyNode& node) {
    if (node.depth == 0) return themeColors().viewBackground;
    QColor base = conceptColor(std::max(0, node.colorIndex));
    // Deeper levels are lighter tints of their top-level concept's colour.
    return base.lighter(100 + 18 * (node.depth - 1));
}

vtkSmartPointer<vtkActor> polylineActor(const std::vector<std::vector<double>>& rings, double z, const QColor& color,
                                        double width) {
    auto points = vtkSmartPointer<vtkPoints>::New();
    auto lines = vtkSmartPointer<vtkCellArray>::New();
    for (const auto& ring : rings) {
        if (ring.size() < 6) continue;
        const vtkIdType n = vtkIdType(ring.size() / 2);
        lines->InsertNextCell(n + 1);
        const vtkIdType first = points->GetNumberOfPoints();
        for (vtkIdType i = 0; i < n; ++i) {
            points->InsertNextPoint(ring[2 * i], ring[2 * i + 1], z);
            lines->InsertCellPoint(first + i);
        }
        lines->InsertCellPoint(first);
    }
    auto data = vtkSmartPointer<vtkPolyData>::New();
    data->SetPoints(points);
    data->SetLines(lines);
    auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
    mapper->SetInputData(data);
    auto actor = vtkSmartPointer<vtkActor>::New();
    actor->SetMapper(mapper);
    actor->GetProperty()->SetColor(color.redF(), color.greenF(), color.blueF());
    actor->GetProperty()->SetLineWidth(float(width));
    actor->GetProperty()->LightingOff();
    actor->PickableOff();
    return actor;
}

vtkSmartPointer<vtkActor> imageQuad(const QImage& source, double x0, double y0, double x1, double y1, double z) {
    const QImage image = source.convertToFormat(QImage::Format_RGBA8888);
    auto pixels = vtkSmartPointer<vtkImageData>::New();
    pixels->SetDimensions(image.width(), image.height(), 1);
    pixels->AllocateScalars(VTK_UNSIGNED_CHAR, 4);
    auto* dst = static_cast<unsigned char*>(pixels->GetScalarPointer());
    for (int y = 0; y < image.height(); ++y)  // VTK's rows go bottom-up
        std::copy_n(image.constScanLine(image.height() - 1 - y), image.width() * 4, dst + size_t(y) * image.width() * 4);
    auto texture = vtkSmartPointer<vtkTexture>::New();
    texture->SetInputData(pixels);
    texture->InterpolateOn();

    auto points = vtkSmartPointer<vtkPoints>::New();
    points->InsertNextPoint(x0, y0, z);
    points->InsertNextPoint(x1, y0, z);
    points->InsertNextPoint(x1, y1, z);
    points->InsertNextPoint(x0, y1, z);
    auto tcoords = vtkSmartPointer<vtkFloatArray>::New();
    tcoords->SetNumberOfComponents(2);
    const float uv[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
    for (const auto& p : uv) tcoords->InsertNextTuple(p);
    auto quads = vtkSmartPointer<vtkCellArray>::New();
    const vtkIdType ids[4] = {0, 1, 2, 3};
    quads->InsertNextCell(4, ids);
    auto data = vtkSmartPointer<vtkPolyData>::New();
    data->SetPoints(points);
    data->SetPolys(quads);
    data->GetPointData()->SetTCoords(tcoords);
    auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
    mapper->SetInputData(data);
    auto actor = vtkSmartPointer<vtkActor>::New();
    actor->SetMapper(mapper);
    actor->SetTexture(texture);
    actor->GetProperty()->LightingOff();
    actor->PickableOff();  // clicks on a thumbnail select its polygon
    return actor;
}
}  // namespace

HierarchyView::HierarchyView(ProjectSession* session, ConceptSelection* selection, QWidget* parent)
    : QWidget(parent), session_(session), selection_(selection), scene_(std::make_unique<Scene>()) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(6, 4, 6, 0);
    upButton_ = new QToolButton(this);
    upButton_->setText(tr("▲ Up"));
    upButton_->setToolTip(tr("Back to the parent of the sub-tree shown (Backspace)"));
    upButton_->setShortcut(QKeySequence(Qt::Key_Backspace));
    breadcrumb_ = new QLabel(this);
    methodBox_ = new QComboBox(this);
    methodBox_->setObjectName(QStringLiteral("layoutMethod"));
    methodBox_->addItem(tr("Fat polygons"));
    methodBox_->addItem(tr("Squarified treemap"));
    methodBox_->setToolTip(tr("Fat polygons keep every region's aspect ratio bounded whatever the weights; "
                              "the squarified treemap is the familiar rectangular layout, for comparison."));
    status_ = new QLabel(this);
    bar->addWidget(upButton_);
    bar->addWidget(breadcrumb_, 1);
    bar->addWidget(status_);
    bar->addWidget(new QLabel(tr("Layout:"), this));
    bar->addWidget(methodBox_);
    layout->addLayout(bar);

    canvas_ = new VtkViewWidget(this);
    canvas_->setObjectName(QStringLiteral("hierarchyCanvas"));
    auto style = vtkSmartPointer<PanZoomStyle>::New();
    canvas_->setInteractorStyle(style);
    canvas_->renderer()->GetActiveCamera()->ParallelProjectionOn();
    layout->addWidget(canvas_, 1);
    // Labels, thumbnails and the camera fit depend on the canvas size in pixels: lay out
    // again (debounced) when it changes, e.g. when the tab is first shown.
    relayout_ = new QTimer(this);
    relayout_->setSingleShot(true);
    relayout_->setInterval(60);
    connect(relayout_, &QTimer::timeout, this, [this] {
        if (canvas_->size() != builtFor_) rebuildScene();
    });
    canvas_->installEventFilter(this);

    connect(methodBox_, &QComboBox::currentIndexChanged, this,
            [this](int index) { setMethod(index == 1 ? Method::Squarified : Method::Fat); });
    connect(upButton_, &QToolButton::clicked, this, &HierarchyView::drillUp);
    connect(canvas_, &VtkViewWidget::hovered, this, &HierarchyView::onHover);
    connect(canvas_, &VtkViewWidget::clicked, this, &HierarchyView::onClick);
    connect(canvas_, &VtkViewWidget::doubleClicked, this, &HierarchyView::onDoubleClick);
    connect(canvas_, &VtkViewWidget::left, this, [this] { hoverNode_ = -1; });
    connect(session_, &ProjectSession::projectChanged, this, &HierarchyView::reload);
    connect(session_, &ProjectSession::dataChanged, this, &HierarchyView::reload);
    connect(selection_, &ConceptSelection::runChanged, this, &HierarchyView::reload);
    connect(selection_, &ConceptSelection::conceptChanged, this, &HierarchyView::updateSelectionOutline);
    reload();
}

HierarchyView::~HierarchyView() = default;

void HierarchyView::reload() {
    data_ = HierarchyData{};
    if (session_->isOpen() && selection_->runId() != 0) data_ = loadRunHierarchy(*session_->store(), selection_->runId());
    else data_.problem = session_->isOpen() ? tr("Select a run.") : tr("No project open.");
    drillRoot_ = 0;
    rebuildScene();
}

void HierarchyView::setMethod(Method method) {
    method_ = method;
    const QSignalBlocker blocker(methodBox_);
    methodBox_->setCurrentIndex(method == Method::Squarified ? 1 : 0);
    rebuildScene();
}

void HierarchyView::drillInto(int nodeIndex) {
    if (nodeIndex < 0 || nodeIndex >= int(data_.nodes.size())) return;
    if (data_.nodes[nodeIndex].children.empty()) nodeIndex = data_.nodes[nodeIndex].parent;  // a leaf: its parent
    if (nodeIndex < 0 || nodeIndex == drillRoot_) return;
    drillRoot_ = nodeIndex;
    rebuildScene();
}

void HierarchyView::drillUp() {
    if (drillRoot_ <= 0) return;
    drillRoot_ = std::max(0, data_.nodes[drillRoot_].parent);
    rebuildScene();
}

QString HierarchyView::statusText() const { return status_->text(); }

bool HierarchyView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == canvas_ && (event->type() == QEvent::Resize || event->type() == QEvent::Show)) relayout_->start();
    return QWidget::eventFilter(watched, event);
}

void HierarchyView::updateBreadcrumb() {
    // root ▸ … ▸ current sub-tree.
    QStringList path;
    for (int n = drillRoot_; n >= 0 && n < int(data_.nodes.size()); n = data_.nodes[n].parent)
        path.prepend(data_.nodes[n].label.toHtmlEscaped());
    breadcrumb_->setText(data_.nodes.empty() ? QString() : QStringLiteral("<b>%1</b> — %2").arg(data_.source, path.join(QStringLiteral(" ▸ "))));
}

void HierarchyView::showSceneMessage(const QString& text) {
    const ThemeColors colors = themeColors();
    auto label = vtkSmartPointer<vtkTextActor>::New();
    label->SetInput(text.toUtf8().constData());
    // VTK sizes text in framebuffer pixels: scale by the device pixel ratio (HiDPI).
    const double ratio = canvas_->devicePixelRatioF();
    label->GetTextProperty()->SetFontSize(int(std::lround(16 * ratio)));
    label->GetTextProperty()->SetColor(colors.text.redF(), colors.text.greenF(), colors.text.blueF());
    label->SetPosition(20 * ratio, 20 * ratio);
    canvas_->renderer()->AddActor2D(label);
    scene_->labels.push_back(label);
    status_->setText(text);
    canvas_->update();
}

void HierarchyView::decorateCell(int nodeIndex, int depth, const QRectF& room, double z, const QColor& fill, double pxPerUnit,
                                 double width, std::vector<QRectF>& placedLabels) {
    const HierarchyNode& node = data_.nodes[nodeIndex];
    // Label and thumbnail only where they fit, judged in pixels at the initial zoom.
    const double roomW = room.width() * pxPerUnit, roomH = room.height() * pxPerUnit;
    const bool hasChildren = !node.children.empty();
    if (!node.thumbnail.isNull() && !hasChildren && roomW > 56 && roomH > 76) {
        const double side = std::min(room.width(), room.height() - 22.0 / pxPerUnit) * 0.8;
        const double cx = room.x() + room.width() / 2, y0 = room.y() + room.height() * 0.08;
        scene_->thumbnails.push_back(imageQuad(node.thumbnail, cx - side / 2, y0, cx + side / 2, y0 + side, z + kDepthStep / 2));
        anchors_[nodeIndex] = QPointF(cx, std::min(room.y() + room.height() - 10.0 / pxPerUnit, y0 + side + 12.0 / pxPerUnit));
    }
    // A sub-tree's parent label sits near its top so it does not hide the children.
    QPointF at = anchors_[nodeIndex];
    if (hasChildren) at = QPointF(room.x() + room.width() / 2, room.y() + room.height() - 12.0 / pxPerUnit);
    // The label's box in world units, estimated from its length (about 0.65 em per character, 1.4 em high):
    // labels are placed parents first, and one that would overlap a placed label is left out
    // (its name stays in the hover tooltip) instead of printing over it.
    const int fontPx = depth == 1 ? 15 : 12;
    const double halfW = 0.5 * 0.65 * fontPx * node.label.size() / pxPerUnit, halfH = 0.7 * fontPx / pxPerUnit;
    at.setX(std::clamp(at.x(), std::min(halfW, width / 2), std::max(width - halfW, width / 2)));  // not cut at the canvas edge
    const QRectF box(at.x() - halfW, at.y() - halfH, 2 * halfW, 2 * halfH);
    const bool overlaps = std::any_of(placedLabels.begin(), placedLabels.end(), [&](const QRectF& r) { return r.intersects(box); });
    if (roomW <= 40 || roomH <= 14 || overlaps) return;
    placedLabels.push_back(box);
    auto label = vtkSmartPointer<vtkTextActor>::New();
    label->SetInput(node.label.toUtf8().constData());
    vtkTextProperty* tp = label->GetTextProperty();
    // Framebuffer pixels: scaled by the device pixel ratio so labels keep their size on HiDPI.
    tp->SetFontSize(int(std::lround(fontPx * canvas_->devicePixelRatioF())));
    tp->SetBold(depth == 1);
    tp->SetJustificationToCentered();
    tp->SetVerticalJustificationToCentered();
    const bool darkFill = fill.lightness() < 140;
    tp->SetColor(darkFill ? 1.0 : 0.05, darkFill ? 1.0 : 0.05, darkFill ? 1.0 : 0.05);
    label->GetPositionCoordinate()->SetCoordinateSystemToWorld();
    label->GetPositionCoordinate()->SetValue(at.x(), at.y(), z + 2 * kDepthStep);
    label->PickableOff();
    scene_->labels.push_back(label);
}

void HierarchyView::fitCamera(double width, double height) {
    vtkCamera* camera = canvas_->renderer()->GetActiveCamera();
    camera->ParallelProjectionOn();
    camera->SetFocalPoint(width / 2, height / 2, 0);
    camera->SetPosition(width / 2, height / 2, 10);
    camera->SetViewUp(0, 1, 0);
    camera->SetClippingRange(1, 20);
    const double viewAspect = double(std::max(1, canvas_->width())) / std::max(1, canvas_->height());
    camera->SetParallelScale(std::max(height / 2, width / (2 * viewAspect)) * 1.04);
}

void HierarchyView::rebuildScene() {
    builtFor_ = canvas_->size();
    vtkRenderer* renderer = canvas_->renderer();
    scene_->clear(renderer);
    cellNode_.clear();
    polygons_.assign(data_.nodes.size(), {});
    anchors_.assign(data_.nodes.size(), QPointF());
    maxAspect_ = 0;
    const ThemeColors colors = themeColors();
    renderer->SetBackground(colors.viewBackground.redF(), colors.viewBackground.greenF(), colors.viewBackground.blueF());
    upButton_->setEnabled(drillRoot_ > 0);

    updateBreadcrumb();
    if (data_.empty()) {
        showSceneMessage(data_.problem.isEmpty() ? tr("Nothing to draw.") : data_.problem);
        return;
    }
    // The sub-tree as the layout's input; node keys are unique names.
    std::function<layout::LayoutNode(int)> build = [&](int index) {
        const HierarchyNode& node = data_.nodes[index];
        layout::LayoutNode out;
        out.name = node.key.toStdString();
        out.weight = node.weight;
        for (int child : node.children) out.children.push_back(build(child));
        return out;
    };
    const layout::LayoutNode tree = build(drillRoot_);
    std::map<std::string, int> nodeByKey;
    for (size_t i = 0; i < data_.nodes.size(); ++i) nodeByKey[data_.nodes[i].key.toStdString()] = int(i);

    const double aspect = std::clamp(double(canvas_->width()) / std::max(1, canvas_->height()), 0.6, 2.5);
    const double W = aspect, H = 1.0;
    std::vector<layout::LayoutCell> cells;
    try {
        if (method_ == Method::Fat) cells = layout::layoutFat(tree, layout::Polygon{{0, 0}, {W, 0}, {W, H}, {0, H}});
        else cells = layout::layoutSquarified(tree, layout::Rect{0, 0, W, H});
        maxAspect_ = layout::measureLayout(cells).maxAspectRatio;
    } catch (const std::exception& e) {
        showSceneMessage(tr("Cannot lay out this tree: %1").arg(QString::fromStdString(e.what())));
        return;
    }

    // Fill polygons: one polydata, one colour per cell, depth as z.
    auto points = vtkSmartPointer<vtkPoints>::New();
    auto polys = vtkSmartPointer<vtkCellArray>::New();
    auto rgb = vtkSmartPointer<vtkUnsignedCharArray>::New();
    rgb->SetNumberOfComponents(3);
    rgb->SetName("colors");
    std::vector<std::vector<double>> allRings, topRings;
    const double pxPerUnit = canvas_->height() / (H * 1.04);
    std::vector<QRectF> placedLabels;
    for (const auto& cell : cells) {
        const int nodeIndex = nodeByKey.at(cell.name);
        const HierarchyNode& node = data_.nodes[nodeIndex];
        if (cell.polygon.size() < 3) continue;
        std::vector<double> ring;
        for (const auto& p : cell.polygon) {
            ring.push_back(p.x);
            ring.push_back(p.y);
        }
        polygons_[nodeIndex] = ring;
        const double z = cell.depth * kDepthStep;
        const vtkIdType first = points->GetNumberOfPoints();
        polys->InsertNextCell(vtkIdType(cell.polygon.size()));
        for (size_t i = 0; i < cell.polygon.size(); ++i) {
            points->InsertNextPoint(cell.polygon[i].x, cell.polygon[i].y, z);
            polys->InsertCellPoint(first + vtkIdType(i));
        }
        const QColor color = cell.depth == 0 ? colors.viewBackground.darker(108) : nodeColor(node);
        const unsigned char c[3] = {uchar(color.red()), uchar(color.green()), uchar(color.blue())};
        rgb->InsertNextTypedTuple(c);
        cellNode_.push_back(nodeIndex);
        if (cell.depth == 1) topRings.push_back(ring);
        else if (cell.depth > 1) allRings.push_back(ring);

        const layout::Point anchor = layout::labelAnchor(cell);
        anchors_[nodeIndex] = QPointF(anchor.x, anchor.y);
        if (cell.depth == 0) continue;
        const layout::Rect room = layout::largestInscribedRect(cell.polygon);
        decorateCell(nodeIndex, cell.depth, QRectF(room.x, room.y, room.width, room.height), z, color, pxPerUnit, W, placedLabels);
    }
    auto fillData = vtkSmartPointer<vtkPolyData>::New();
    fillData->SetPoints(points);
    fillData->SetPolys(polys);
    fillData->GetCellData()->SetScalars(rgb);
    auto fillMapper = vtkSmartPointer<vtkPolyDataMapper>::New();
    fillMapper->SetInputData(fillData);
    fillMapper->SetScalarModeToUseCellData();
    fillMapper->SetColorModeToDirectScalars();
    scene_->fill = vtkSmartPointer<vtkActor>::New();
    scene_->fill->SetMapper(fillMapper);
    scene_->fill->GetProperty()->LightingOff();
    renderer->AddActor(scene_->fill);

    const int maxDepth = cells.empty() ? 0 : std::max_element(cells.begin(), cells.end(), [](auto& a, auto& b) { return a.depth < b.depth; })->depth;
    const double topZ = (maxDepth + 1) * kDepthStep;
    scene_->outline = polylineActor(allRings, topZ, colors.outline, 1.0);
    scene_->topOutline = polylineActor(topRings, topZ + kDepthStep / 4, colors.outline, 2.5);
    renderer->AddActor(scene_->outline);
    renderer->AddActor(scene_->topOutline);
    for (auto& thumb : scene_->thumbnails) renderer->AddActor(thumb);
    for (auto& label : scene_->labels) renderer->AddActor2D(label);

    fitCamera(W, H);

    status_->setText(tr("%1 regions · max aspect %2").arg(cells.size()).arg(maxAspect_, 0, 'f', 2));
    updateSelectionOutline();
}

void HierarchyView::updateSelectionOutline() {
    vtkRenderer* renderer = canvas_->renderer();
    if (scene_->selectionOutline) renderer->RemoveActor(scene_->selectionOutline);
    scene_->selectionOutline = nullptr;
    const int node = data_.findItem(selection_->conceptId());
    if (node >= 0 && node < int(polygons_.size()) && !polygons_[node].empty()) {
        scene_->selectionOutline = polylineActor({polygons_[node]}, 1.0, themeColors().selection, 4.0);
        renderer->AddActor(scene_->selectionOutline);
    }
    canvas_->update();
}

int HierarchyView::nodeAt(const QPoint& widgetPoint) {
    const VtkPick hit = canvas_->pick(widgetPoint);
    if (!hit.hit || !scene_->fill || hit.prop != scene_->fill.Get()) return -1;
    if (hit.cellId < 0 || hit.cellId >= vtkIdType(cellNode_.size())) return -1;
    return cellNode_[size_t(hit.cellId)];
}

QPointF HierarchyView::anchorOf(int nodeIndex) const {
    if (nodeIndex < 0 || nodeIndex >= int(anchors_.size()) || polygons_[nodeIndex].empty()) return {-1, -1};
    return canvas_->worldToWidget(anchors_[nodeIndex]);
}

void HierarchyView::onHover(const QPoint& point) {
    const int node = nodeAt(point);
    if (node == hoverNode_) return;
    hoverNode_ = node;
    if (node < 0 || node == drillRoot_) {
        QToolTip::hideText();
        return;
    }
    const HierarchyNode& n = data_.nodes[node];
    const HierarchyNode& parent = data_.nodes[std::max(0, n.parent)];
    double siblings = 0;
    for (int s : parent.children) siblings += data_.nodes[s].weight;
    QString text = QStringLiteral("<b>%1</b>").arg(n.label.toHtmlEscaped());
    // Qt's rich text reads data: URLs, so the concept's MaCo picture goes in the tooltip itself.
    if (!n.picturePng.isEmpty())
        text += QStringLiteral("<br><img width=96 height=96 src=\"data:image/png;base64,%1\">").arg(QString::fromLatin1(n.picturePng.toBase64()));
    if (!n.note.isEmpty()) text += QStringLiteral("<br><i>%1</i>").arg(n.note.toHtmlEscaped());
    if (!n.layer.isEmpty()) text += tr("<br>layer %1").arg(n.layer.toHtmlEscaped());
    if (data_.source == QLatin1String("concept tree"))
        text += tr("<br>importance %1 ± %2").arg(n.importance, 0, 'f', 3).arg(n.spread, 0, 'f', 3);
    else text += tr("<br>mass %1").arg(n.weight, 0, 'g', 3);
    if (siblings > 0) text += tr("<br>%1% of %2").arg(100.0 * n.weight / siblings, 0, 'f', 1).arg(parent.label.toHtmlEscaped());
    if (!n.children.empty()) text += tr("<br>%1 sub-concepts — double-click to open").arg(n.children.size());
    else if (n.itemId != 0) text += tr("<br>F2 to label");
    QToolTip::showText(canvas_->mapToGlobal(point), text, canvas_);
}

void HierarchyView::onClick(const QPoint& point, Qt::MouseButton button) {
    if (button != Qt::LeftButton) return;
    const int node = nodeAt(point);
    selection_->setConcept(node > 0 ? data_.nodes[node].itemId : 0);
}

// A double-click opens the region's level (a leaf: its parent's); once that level is open, a
// double-click on a concept or latent labels it.
void HierarchyView::onDoubleClick(const QPoint& point) {
    const int node = nodeAt(point);
    if (node <= 0) return;
    const int level = data_.nodes[node].children.empty() ? data_.nodes[node].parent : node;
    if ((level >= 0 && level != drillRoot_) || data_.nodes[node].itemId == 0) {
        drillInto(node);
        return;
    }
    selection_->setConcept(data_.nodes[node].itemId);
    const auto target = data_.source == QLatin1String("concept tree") ? store::LabelTarget::Concept : store::LabelTarget::Latent;
    openLabelEditor(this, session_, selection_->runId(), target, data_.nodes[node].itemId);
}

}  // namespace cs::ui
