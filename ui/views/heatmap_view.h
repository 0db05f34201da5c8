#pragma once
// HeatmapView: an image of the run with its Concept Attribution Map overlays (docs/craft.md):
// concepts toggled from a legend in their colours, opacity, percentile threshold, projection
// (NNLS transform) vs implicit-differentiation maps, zoom (wheel) and pan (drag), the run's
// images in a list, export of the composed view as PNG. The selected concept is drawn on top
// and the others dimmed.
#include "views/craft_results.h"

#include <QImage>
#include <QWidget>

#include <vector>

class QListWidget;
class QSlider;
class QSpinBox;
class QComboBox;
class QLabel;
class QPushButton;

namespace cs::ui {

class ProjectSession;
class ConceptSelection;

struct OverlaySettings {
    std::vector<bool> enabled;        // per map channel; missing entries count as enabled
    std::vector<QColor> colors;       // per channel
    std::vector<int> drawOrder;       // channels, first drawn first (least important first)
    double opacity = 0.65;            // alpha at the strongest activation
    double percentile = 90;           // values below this percentile of the map are transparent
    int highlighted = -1;             // channel drawn on top, the others dimmed; -1 = none
};

// Pure: composes `image` with the maps (resized bilinearly to the image). A null image gives
// the overlays on a neutral background of the maps' aspect.
QImage composeHeatmap(const QImage& image, const ConceptMaps& maps, const OverlaySettings& settings);

// The zoomable, pannable canvas.
class HeatmapCanvas : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapCanvas(QWidget* parent = nullptr);
    void setImage(const QImage& image);
    const QImage& image() const { return image_; }
    double zoom() const { return zoom_; }
    void fit();

protected:
    void paintEvent(QPaintEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    QImage image_;
    double zoom_ = 1.0;
    QPointF offset_;  // image pixel at the canvas centre
    QPoint dragStart_;
    QPointF dragOffset_;
    bool userMoved_ = false;
};

class HeatmapView : public QWidget {
    Q_OBJECT
public:
    HeatmapView(ProjectSession* session, ConceptSelection* selection, QWidget* parent = nullptr);

    int imageCount() const;
    void showImage(int index);
    int currentImage() const { return currentImage_; }
    void setMethod(const QString& method);  // "projection" | "implicit"
    QString method() const { return method_; }
    void setOpacity(double opacity);
    void setPercentile(double percentile);
    void setConceptEnabled(int channel, bool enabled);
    bool exportPng(const QString& path) const;
    const QImage& composed() const { return canvas_->image(); }
    QString statusText() const;
    HeatmapCanvas* canvas() const { return canvas_; }

public slots:
    void reload();

private:
    void recompose();
    void rebuildLegend();
    void onSelectionChanged();

    ProjectSession* session_;
    ConceptSelection* selection_;
    QListWidget* images_;
    HeatmapCanvas* canvas_;
    QListWidget* legend_;
    QSlider* opacity_;
    QSpinBox* percentile_;
    QComboBox* methodBox_;
    QPushButton* export_;
    QLabel* status_;

    CraftResults results_;
    int currentImage_ = -1;
    QString method_ = QStringLiteral("projection");
    std::vector<bool> enabled_;
    QImage baseImage_;
    ConceptMaps maps_;
    QImage readyOverlay_;  // a stored PNG overlay when no tensor exists
};

}  // namespace cs::ui
