#include "views/heatmap_view.h"

#include "services/project_session.h"
#include "services/selection_model.h"
#include "services/theme.h"
#include "store/project_store.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMouseEvent>
#include <QPainter>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardItemModel>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace cs::ui {

namespace {
constexpr int kChannelRole = Qt::UserRole + 1;

double percentileOf(std::vector<float> values, double percentile) {
    if (values.empty()) return 0;
    const double rank = std::clamp(percentile, 0.0, 100.0) / 100.0 * double(values.size() - 1);
    const size_t lo = size_t(std::floor(rank)), hi = std::min(values.size() - 1, lo + 1);
    std::nth_element(values.begin(), values.begin() + lo, values.end());
    const float a = values[lo];
    const float b = hi == lo ? a : *std::min_element(values.begin() + lo + 1, values.end());
    return a + (b - a) * (rank - double(lo));
}

QIcon swatch(const QColor& color) {
    QPixmap pixmap(14, 14);
    pixmap.fill(color);
    return QIcon(pixmap);
}
}  // namespace

QImage composeHeatmap(const QImage& image, const ConceptMaps& maps, const OverlaySettings& settings) {
    QImage base;
    if (!image.isNull()) {
        base = image.convertToFormat(QImage::Format_ARGB32_Premultiplied);
    } else {
        const int w = maps.valid() ? maps.width : 1, h = maps.valid() ? maps.height : 1;
        const double scale = 256.0 / std::max(w, h);
        base = QImage(std::max(1, int(w * scale)), std::max(1, int(h * scale)), QImage::Format_ARGB32_Premultiplied);
        base.fill(QColor(128, 128, 128));
    }
    if (!maps.valid()) return base;
    QPainter painter(&base);
    painter.setRenderHint(QPainter::SmoothPixmapTransform);
    std::vector<int> order = settings.drawOrder;
    if (order.empty())
        for (int c = 0; c < maps.concepts; ++c) order.push_back(c);
    if (settings.highlighted >= 0) {  // the highlighted concept last, on top
        order.erase(std::remove(order.begin(), order.end(), settings.highlighted), order.end());
        order.push_back(settings.highlighted);
    }
    const size_t plane = size_t(maps.height) * maps.width;
    for (int c : order) {
        if (c < 0 || c >= maps.concepts) continue;
        if (c < int(settings.enabled.size()) && !settings.enabled[c]) continue;
        std::vector<float> values(maps.data.begin() + c * plane, maps.data.begin() + (c + 1) * plane);
        const float top = *std::max_element(values.begin(), values.end());
        const double threshold = percentileOf(values, settings.percentile);
        if (!(top > threshold)) continue;
        const QColor color = c < int(settings.colors.size()) ? settings.colors[c] : conceptColor(c);
        double opacity = settings.opacity;
        if (settings.highlighted >= 0) opacity = c == settings.highlighted ? std::min(1.0, opacity * 1.3) : opacity * 0.3;
        QImage overlay(maps.width, maps.height, QImage::Format_ARGB32);
        for (int y = 0; y < maps.height; ++y) {
            auto* row = reinterpret_cast<QRgb*>(overlay.scanLine(y));
            for (int x = 0; x < maps.width; ++x) {
                // Alpha ramps from 0 at the threshold to `opacity` at the map's maximum.
                const double v = std::clamp((maps.at(c, y, x) - threshold) / (top - threshold), 0.0, 1.0);
                row[x] = qRgba(color.red(), color.green(), color.blue(), int(std::round(255 * opacity * v)));
            }
        }
        painter.drawImage(QRectF(0, 0, base.width(), base.height()), overlay);
    }
    return base;
}

HeatmapCanvas::HeatmapCanvas(QWidget* parent) : QWidget(parent) {
    setMinimumSize(200, 200);
    setCursor(Qt::OpenHandCursor);
    setToolTip(tr("Wheel: zoom · drag: pan · double-click: fit"));
}

void HeatmapCanvas::setImage(const QImage& image) {
    const bool sizeChanged = image.size() != image_.size();
    image_ = image;
    if (sizeChanged || !userMoved_) fit();
    update();
}

void HeatmapCanvas::fit() {
    userMoved_ = false;
    if (image_.isNull()) return;
    zoom_ = std::min(double(width()) / image_.width(), double(height()) / image_.height()) * 0.95;
    offset_ = QPointF(image_.width() / 2.0, image_.height() / 2.0);
    update();
}

void HeatmapCanvas::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), themeColors().viewBackground);
    if (image_.isNull()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, tr("No image"));
        return;
    }
    // Upscaled small maps should stay crisp enough to read pixels when zoomed far in.
    p.setRenderHint(QPainter::SmoothPixmapTransform, zoom_ < 4);
    const QPointF centre(width() / 2.0, height() / 2.0);
    const QRectF target(centre - offset_ * zoom_, QSizeF(image_.width() * zoom_, image_.height() * zoom_));
    p.drawImage(target, image_);
}

void HeatmapCanvas::wheelEvent(QWheelEvent* event) {
    if (image_.isNull()) return;
    const double factor = std::pow(1.0015, event->angleDelta().y());
    // Zoom about the cursor: the image point under it stays put.
    const QPointF centre(width() / 2.0, height() / 2.0);
    const QPointF under = offset_ + (event->position() - centre) / zoom_;
    zoom_ = std::clamp(zoom_ * factor, 0.05, 64.0);
    offset_ = under - (event->position() - centre) / zoom_;
    userMoved_ = true;
    update();
    event->accept();
}

void HeatmapCanvas::mousePressEvent(QMouseEvent* event) {
    dragStart_ = event->position().toPoint();
    dragOffset_ = offset_;
    setCursor(Qt::ClosedHandCursor);
}

void HeatmapCanvas::mouseMoveEvent(QMouseEvent* event) {
    if (!(event->buttons() & (Qt::LeftButton | Qt::MiddleButton))) return;
    offset_ = dragOffset_ - QPointF(event->position().toPoint() - dragStart_) / zoom_;
    userMoved_ = true;
    update();
}

void HeatmapCanvas::mouseDoubleClickEvent(QMouseEvent*) { fit(); }

void HeatmapCanvas::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    if (!userMoved_) fit();
}

HeatmapView::HeatmapView(ProjectSession* session, ConceptSelection* selection, QWidget* parent)
    : QWidget(parent), session_(session), selection_(selection) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* splitter = new QSplitter(this);
    images_ = new QListWidget(splitter);
    images_->setObjectName(QStringLiteral("heatmapImages"));
    images_->setIconSize(QSize(56, 56));
    images_->setMaximumWidth(220);
    canvas_ = new HeatmapCanvas(splitter);

    auto* side = new QWidget(splitter);
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->addWidget(new QLabel(tr("<b>Concepts</b> (most important first)"), side));
    legend_ = new QListWidget(side);
    legend_->setObjectName(QStringLiteral("heatmapLegend"));
    sideLayout->addWidget(legend_, 1);
    auto* form = new QFormLayout;
    methodBox_ = new QComboBox(side);
    methodBox_->addItem(tr("Projection (NNLS)"), QStringLiteral("projection"));
    methodBox_->addItem(tr("Implicit differentiation"), QStringLiteral("implicit"));
    methodBox_->setToolTip(tr("Projection: each location's activation projected on the concept bank.\n"
                              "Implicit differentiation: gradient of the concept coefficient through the NNLS solution."));
    opacity_ = new QSlider(Qt::Horizontal, side);
    opacity_->setRange(0, 100);
    opacity_->setValue(65);
    opacity_->setToolTip(tr("Opacity of the overlays at their strongest point"));
    percentile_ = new QSpinBox(side);
    percentile_->setRange(0, 99);
    percentile_->setValue(90);
    percentile_->setSuffix(tr(" th percentile"));
    percentile_->setToolTip(tr("Values of a map below this percentile are not drawn (the CRAFT notebooks use 90)"));
    form->addRow(tr("Maps"), methodBox_);
    form->addRow(tr("Opacity"), opacity_);
    form->addRow(tr("Threshold"), percentile_);
    sideLayout->addLayout(form);
    auto* buttons = new QHBoxLayout;
    auto* fit = new QPushButton(tr("Fit"), side);
    export_ = new QPushButton(tr("Export PNG…"), side);
    buttons->addWidget(fit);
    buttons->addWidget(export_);
    sideLayout->addLayout(buttons);
    status_ = new QLabel(side);
    status_->setWordWrap(true);
    sideLayout->addWidget(status_);
    side->setMaximumWidth(300);
    splitter->setStretchFactor(1, 1);
    layout->addWidget(splitter);

    connect(images_, &QListWidget::currentRowChanged, this, &HeatmapView::showImage);
    connect(legend_, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        const int channel = item->data(kChannelRole).toInt();
        if (channel >= 0 && channel < int(enabled_.size())) enabled_[channel] = item->checkState() == Qt::Checked;
        recompose();
    });
    connect(legend_, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
        if (!item) return;
        const qint64 id = item->data(Qt::UserRole).toLongLong();
        if (id) selection_->setConcept(id);
    });
    connect(methodBox_, &QComboBox::currentIndexChanged, this,
            [this](int) { setMethod(methodBox_->currentData().toString()); });
    connect(opacity_, &QSlider::valueChanged, this, [this] { recompose(); });
    connect(percentile_, &QSpinBox::valueChanged, this, [this] { recompose(); });
    connect(fit, &QPushButton::clicked, canvas_, &HeatmapCanvas::fit);
    connect(export_, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export view"), QStringLiteral("heatmap.png"), tr("PNG images (*.png)"));
        if (!path.isEmpty() && !exportPng(path)) status_->setText(tr("Cannot write %1").arg(path));
    });
    connect(session_, &ProjectSession::projectChanged, this, &HeatmapView::reload);
    connect(session_, &ProjectSession::dataChanged, this, &HeatmapView::reload);
    connect(selection_, &ConceptSelection::runChanged, this, &HeatmapView::reload);
    connect(selection_, &ConceptSelection::conceptChanged, this, &HeatmapView::onSelectionChanged);
    reload();
}

int HeatmapView::imageCount() const { return images_->count(); }
QString HeatmapView::statusText() const { return status_->text(); }

void HeatmapView::reload() {
    results_ = CraftResults{};
    if (session_->isOpen() && selection_->runId() != 0) {
        try {
            results_ = loadCraftResults(*session_->store(), selection_->runId());
        } catch (const std::exception& e) {
            status_->setText(QString::fromStdString(e.what()));
        }
    }
    const QSignalBlocker blocker(images_);
    images_->clear();
    // Images, else the images named by the maps (maps stored without their pictures).
    QStringList names;
    for (const auto& image : results_.images) names << image.name;
    for (const auto& map : results_.maps)
        if (!names.contains(map.image)) names << map.image;
    // Sources are named by path (path#index inside an IDX file): the list shows the index first
    // (it tells images of one file apart in a narrow list), then the file name; the tooltip the
    // whole name.
    const auto shortLabel = [](const QString& name) {
        const QString file = QFileInfo(name.section(QLatin1Char('#'), 0, 0)).fileName();
        return name.contains(QLatin1Char('#')) ? QStringLiteral("#") + name.section(QLatin1Char('#'), -1) + QStringLiteral("  ") + file
                                               : file;
    };
    for (const QString& name : names) {
        auto* item = new QListWidgetItem(shortLabel(name), images_);
        item->setData(Qt::UserRole, name);
        item->setToolTip(name);
        bool stored = false;
        for (const auto& image : results_.images)
            if (image.name == name) {
                item->setIcon(QIcon(QPixmap::fromImage(loadArtifactImage(*session_->store(), image.artifactId))));
                if (!image.source.isEmpty()) item->setToolTip(image.source);
                stored = true;
            }
        if (!stored) {  // no stored picture: read the source image itself
            const QImage source = loadSourceImage(name);
            if (!source.isNull()) item->setIcon(QIcon(QPixmap::fromImage(source.scaled(56, 56, Qt::KeepAspectRatio))));
        }
    }
    const int top = int(results_.topLevel().size());
    enabled_.assign(std::max(top, 1), true);
    rebuildLegend();
    currentImage_ = -1;
    if (images_->count() > 0) images_->setCurrentRow(0);
    showImage(images_->count() > 0 ? 0 : -1);
}

void HeatmapView::rebuildLegend() {
    const QSignalBlocker blocker(legend_);
    legend_->clear();
    auto top = results_.topLevel();
    std::stable_sort(top.begin(), top.end(), [](auto* a, auto* b) { return a->importance > b->importance; });
    for (const ConceptInfo* c : top) {
        auto* item = new QListWidgetItem(swatch(conceptColor(c->colorIndex)),
                                         QStringLiteral("%1  (%2)").arg(c->label).arg(c->importance, 0, 'f', 3), legend_);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(c->index < int(enabled_.size()) && !enabled_[c->index] ? Qt::Unchecked : Qt::Checked);
        item->setData(kChannelRole, c->index);
        item->setData(Qt::UserRole, c->id);
    }
}

void HeatmapView::showImage(int index) {
    currentImage_ = index;
    {
        const QSignalBlocker blocker(images_);
        images_->setCurrentRow(index);
    }
    baseImage_ = QImage();
    maps_ = ConceptMaps{};
    readyOverlay_ = QImage();
    if (index < 0 || index >= images_->count() || !session_->isOpen()) {
        canvas_->setImage(QImage());
        status_->setText(results_.images.empty() && results_.maps.empty()
                             ? (selection_->runId() ? tr("This run stored no images or concept maps.") : tr("Select a CRAFT run."))
                             : QString());
        return;
    }
    const QString name = images_->item(index)->data(Qt::UserRole).toString();
    for (const auto& image : results_.images)
        if (image.name == name) baseImage_ = loadArtifactImage(*session_->store(), image.artifactId);
    if (baseImage_.isNull()) baseImage_ = loadSourceImage(name);
    // Availability of each method for this image decides which entries of the combo work.
    bool hasMethod[2] = {false, false};
    for (const auto& map : results_.maps)
        if (map.image == name) hasMethod[map.method == QLatin1String("implicit") ? 1 : 0] = true;
    for (int i = 0; i < 2; ++i) {
        auto* model = qobject_cast<QStandardItemModel*>(methodBox_->model());
        if (model && model->item(i)) model->item(i)->setEnabled(hasMethod[i]);
    }
    const qint64 mapId = results_.mapFor(name, method_);
    QString problem;
    if (mapId) {
        const auto artifact = session_->store()->artifact(mapId);
        if (artifact && artifact->tensor) {
            maps_ = toConceptMaps(*artifact->tensor, int(results_.topLevel().size()));
            if (!maps_.valid()) problem = tr("The stored map %1 has an unexpected shape %2.")
                                              .arg(QString::fromStdString(artifact->name), QString::fromStdString(artifact->tensor->shapeText()));
        } else if (artifact) {
            readyOverlay_.loadFromData(reinterpret_cast<const uchar*>(artifact->bytes.data()), int(artifact->bytes.size()));
        }
    } else {
        problem = tr("No %1 maps stored for this image.").arg(method_ == QLatin1String("implicit") ? tr("implicit-differentiation") : tr("projection"));
    }
    status_->setText(problem);
    recompose();
}

void HeatmapView::recompose() {
    if (!readyOverlay_.isNull()) {
        canvas_->setImage(readyOverlay_);
        return;
    }
    OverlaySettings settings;
    settings.enabled = enabled_;
    settings.opacity = opacity_->value() / 100.0;
    settings.percentile = percentile_->value();
    auto top = results_.topLevel();
    settings.colors.resize(std::max<size_t>(top.size(), size_t(maps_.concepts)));
    for (size_t c = 0; c < settings.colors.size(); ++c) settings.colors[c] = conceptColor(int(c));
    std::stable_sort(top.begin(), top.end(), [](auto* a, auto* b) { return a->importance < b->importance; });
    for (const ConceptInfo* c : top) settings.drawOrder.push_back(c->index);  // most important drawn last
    if (const ConceptInfo* selected = results_.concept(selection_->conceptId())) {
        // A sub-concept highlights its top-level ancestor's map.
        settings.highlighted = selected->colorIndex;
    }
    if (baseImage_.isNull() && !maps_.valid()) {
        canvas_->setImage(QImage());
        return;
    }
    // Tiny sources (28 px digits) are enlarged first, so the overlays are resampled smoothly
    // over them while the pixels of the image itself stay visible.
    QImage base = baseImage_;
    if (!base.isNull() && std::max(base.width(), base.height()) < 224) {
        const int factor = (224 + std::max(base.width(), base.height()) - 1) / std::max(base.width(), base.height());
        base = base.scaled(base.width() * factor, base.height() * factor, Qt::IgnoreAspectRatio, Qt::FastTransformation);
    }
    canvas_->setImage(composeHeatmap(base, maps_, settings));
}

void HeatmapView::onSelectionChanged() {
    const QSignalBlocker blocker(legend_);
    int row = -1;
    for (int i = 0; i < legend_->count(); ++i)
        if (legend_->item(i)->data(Qt::UserRole).toLongLong() == selection_->conceptId()) row = i;
    legend_->setCurrentRow(row);
    recompose();
}

void HeatmapView::setMethod(const QString& method) {
    method_ = method;
    const QSignalBlocker blocker(methodBox_);
    methodBox_->setCurrentIndex(method == QLatin1String("implicit") ? 1 : 0);
    showImage(currentImage_);
}

void HeatmapView::setOpacity(double opacity) { opacity_->setValue(int(std::round(opacity * 100))); }
void HeatmapView::setPercentile(double percentile) { percentile_->setValue(int(std::round(percentile))); }

void HeatmapView::setConceptEnabled(int channel, bool enabled) {
    for (int i = 0; i < legend_->count(); ++i)
        if (legend_->item(i)->data(kChannelRole).toInt() == channel)
            legend_->item(i)->setCheckState(enabled ? Qt::Checked : Qt::Unchecked);
}

bool HeatmapView::exportPng(const QString& path) const {
    return !canvas_->image().isNull() && canvas_->image().save(path, "PNG");
}

}  // namespace cs::ui
