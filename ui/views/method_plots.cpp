#include "views/method_plots.h"

#include "metrics/pareto.h"
#include "services/theme.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <limits>

namespace cs::ui {

namespace {

constexpr double kPointRadius = 5.0;

// About five round tick values covering [from, to].
std::vector<double> ticks(double from, double to) {
    const double span = to - from;
    if (!(span > 0)) return {from};
    const double rough = span / 5.0;
    const double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
    double step = magnitude;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * magnitude >= rough) {
            step = m * magnitude;
            break;
        }
    std::vector<double> out;
    for (double t = std::ceil(from / step) * step; t <= to + step * 1e-9; t += step) out.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    return out;
}

// [lo, hi] widened by a margin, never empty.
std::pair<double, double> paddedRange(double lo, double hi, bool fromZero) {
    if (fromZero) lo = std::min(lo, 0.0);
    if (!(hi > lo)) {
        const double pad = std::abs(hi) > 0 ? std::abs(hi) * 0.1 : 1.0;
        return {lo - pad, hi + pad};
    }
    const double pad = (hi - lo) * 0.08;
    return {fromZero && lo >= 0 ? lo : lo - pad, hi + pad};
}

// The drawing area inside a widget, with room on the right for the legend.
PlotFrame frameIn(const QRect& rect, int legendWidth) {
    PlotFrame f;
    f.area = QRectF(rect).adjusted(58, 28, -14 - legendWidth, -42);
    return f;
}

constexpr int kLegendWidth = 120;

}  // namespace

QPointF PlotFrame::map(double x, double y) const {
    const double u = x1 > x0 ? (x - x0) / (x1 - x0) : 0.5;
    const double v = y1 > y0 ? (y - y0) / (y1 - y0) : 0.5;
    return {area.left() + u * area.width(), area.bottom() - v * area.height()};
}

void PlotFrame::draw(QPainter& painter, const QString& title, const QString& xLabel, const QString& yLabel) const {
    const QColor text = themeColors().text;
    QColor grid = text;
    grid.setAlpha(40);
    painter.setPen(text);
    QFont bold = painter.font();
    bold.setBold(true);
    painter.save();
    painter.setFont(bold);
    painter.drawText(QRectF(area.left(), 4, area.width() + kLegendWidth, 20), Qt::AlignLeft | Qt::AlignVCenter, title);
    painter.restore();
    for (double t : ticks(x0, x1)) {
        const QPointF p = map(t, y0);
        painter.setPen(grid);
        painter.drawLine(QPointF(p.x(), area.top()), QPointF(p.x(), area.bottom()));
        painter.setPen(text);
        painter.drawText(QRectF(p.x() - 30, area.bottom() + 3, 60, 16), Qt::AlignHCenter | Qt::AlignTop, QString::number(t, 'g', 3));
    }
    for (double t : ticks(y0, y1)) {
        const QPointF p = map(x0, t);
        painter.setPen(grid);
        painter.drawLine(QPointF(area.left(), p.y()), QPointF(area.right(), p.y()));
        painter.setPen(text);
        painter.drawText(QRectF(area.left() - 56, p.y() - 8, 52, 16), Qt::AlignRight | Qt::AlignVCenter, QString::number(t, 'g', 3));
    }
    painter.setPen(text);
    painter.drawRect(area);
    painter.drawText(QRectF(area.center().x() - 200, area.bottom() + 20, 400, 18), Qt::AlignHCenter, xLabel);
    painter.save();
    painter.translate(12, area.center().y());
    painter.rotate(-90);
    painter.drawText(QRectF(-area.height() / 2, -8, area.height(), 16), Qt::AlignHCenter | Qt::AlignVCenter, yLabel);
    painter.restore();
}

void PlotFrame::drawLegend(QPainter& painter, const QList<LegendEntry>& entries) const {
    if (entries.isEmpty()) return;
    const QFontMetrics metrics(painter.font());
    int textWidth = 0;
    for (const auto& e : entries) textWidth = std::max(textWidth, metrics.horizontalAdvance(e.name));
    const double rowHeight = metrics.height() + 2, sample = 22;
    // Right of the area (frameIn keeps the room), so it never hides a point or a curve.
    const QRectF box(area.right() + 8, area.top(), std::min<double>(textWidth + sample + 12, kLegendWidth - 10), rowHeight * entries.size() + 6);
    QColor background = themeColors().viewBackground;
    background.setAlpha(220);
    painter.setPen(themeColors().outline);
    painter.setBrush(background);
    painter.drawRect(box);
    for (int i = 0; i < entries.size(); ++i) {
        const auto& e = entries[i];
        const double y = box.top() + 3 + rowHeight * (i + 0.5);
        if (e.style == Qt::NoPen) {
            painter.setPen(themeColors().outline);
            painter.setBrush(e.color);
            painter.drawEllipse(QPointF(box.left() + 4 + sample / 2, y), 4, 4);
        } else {
            painter.setPen(QPen(e.color, 2, e.style));
            painter.drawLine(QPointF(box.left() + 4, y), QPointF(box.left() + 4 + sample, y));
        }
        painter.setPen(themeColors().text);
        painter.drawText(QRectF(box.left() + sample + 8, y - rowHeight / 2, box.width() - sample - 10, rowHeight), Qt::AlignVCenter | Qt::AlignLeft,
                         metrics.elidedText(e.name, Qt::ElideRight, int(box.width() - sample - 10)));
    }
}

SparsityFidelityPlot::SparsityFidelityPlot(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("sparsityFidelityPlot"));
    setMinimumSize(260, 200);
    setMouseTracking(true);
}

void SparsityFidelityPlot::setPoints(const QList<MethodPoint>& points) {
    points_ = points;
    std::vector<metrics::PlanePoint> plane;
    for (const auto& p : points_) plane.push_back({p.l0, p.error});
    front_ = metrics::paretoFront(plane);
    update();
}

void SparsityFidelityPlot::setHighlightedRun(qint64 runId) {
    highlighted_ = runId;
    update();
}

PlotFrame SparsityFidelityPlot::frame() const {
    PlotFrame f = frameIn(rect(), kLegendWidth);
    double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
    for (const auto& p : points_) {
        xlo = std::min(xlo, p.l0);
        xhi = std::max(xhi, p.l0);
        ylo = std::min(ylo, p.error);
        yhi = std::max(yhi, p.error);
    }
    if (points_.isEmpty()) xlo = ylo = 0, xhi = yhi = 1;
    std::tie(f.x0, f.x1) = paddedRange(xlo, xhi, true);
    std::tie(f.y0, f.y1) = paddedRange(ylo, yhi, true);
    return f;
}

QPointF SparsityFidelityPlot::pointPosition(int index) const {
    const auto& p = points_.at(index);
    return frame().map(p.l0, p.error);
}

int SparsityFidelityPlot::pointAt(const QPointF& position) const {
    for (int i = 0; i < points_.size(); ++i)
        if (QLineF(pointPosition(i), position).length() <= kPointRadius + 3) return i;
    return -1;
}

void SparsityFidelityPlot::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const PlotFrame f = frame();
    f.draw(painter, tr("Sparsity–fidelity (lower left is better)"), tr("L0: concepts active per crop"), tr("relative reconstruction error"));
    if (points_.isEmpty()) {
        painter.drawText(f.area, Qt::AlignCenter, tr("No finished runs with metrics"));
        return;
    }
    // The front as a staircase: from each front point across to the next one's L0, then down.
    if (!front_.empty()) {
        QPainterPath path(f.map(points_[int(front_[0])].l0, f.y1));
        for (size_t k = 0; k < front_.size(); ++k) {
            const auto& p = points_[int(front_[k])];
            path.lineTo(f.map(p.l0, k == 0 ? f.y1 : points_[int(front_[k - 1])].error));
            path.lineTo(f.map(p.l0, p.error));
        }
        path.lineTo(f.map(f.x1, points_[int(front_.back())].error));
        QPen pen(themeColors().text, 1.5, Qt::DashLine);
        painter.setPen(pen);
        painter.setBrush(Qt::NoBrush);
        painter.drawPath(path);
    }
    QList<PlotFrame::LegendEntry> legend;
    QList<QPointF> labelled;  // points whose label is drawn: runs at the same place share one label
    for (int i = 0; i < points_.size(); ++i) {
        const auto& p = points_[i];
        const QPointF at = pointPosition(i);
        const bool onFront = std::find(front_.begin(), front_.end(), size_t(i)) != front_.end();
        painter.setPen(QPen(p.runId == highlighted_ ? themeColors().selection : themeColors().outline, p.runId == highlighted_ ? 3 : 1));
        painter.setBrush(p.color);
        const double r = onFront ? kPointRadius + 1.5 : kPointRadius;
        painter.drawEllipse(at, r, r);
        if (std::none_of(legend.begin(), legend.end(), [&](const auto& e) { return e.name == p.family; })) legend.append({p.family, p.color});
        if (std::any_of(labelled.begin(), labelled.end(), [&](const QPointF& q) { return QLineF(q, at).length() < 2; })) continue;
        labelled.append(at);
        QStringList runs;
        for (int j = 0; j < points_.size(); ++j)
            if (QLineF(pointPosition(j), at).length() < 2) runs << QStringLiteral("#%1").arg(points_[j].runId);
        const QString text = runs.join(QStringLiteral(", "));
        const int width = QFontMetrics(painter.font()).horizontalAdvance(text);
        // Left of the point when the label would leave the plot.
        const QPointF anchor = at.x() + r + 3 + width > f.area.right() ? at + QPointF(-r - 3 - width, -r) : at + QPointF(r + 3, -r);
        painter.setPen(themeColors().text);
        painter.drawText(anchor, text);
    }
    f.drawLegend(painter, legend);
}

void SparsityFidelityPlot::mousePressEvent(QMouseEvent* event) {
    const int i = pointAt(event->position());
    if (i >= 0) emit runClicked(points_[i].runId);
}

bool SparsityFidelityPlot::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int i = pointAt(help->pos());
        if (i >= 0) {
            const auto& p = points_[i];
            const bool onFront = std::find(front_.begin(), front_.end(), size_t(i)) != front_.end();
            QToolTip::showText(help->globalPos(), tr("%1\nL0 %2 · relative error %3%4")
                                                      .arg(p.label)
                                                      .arg(p.l0, 0, 'g', 4)
                                                      .arg(p.error, 0, 'g', 4)
                                                      .arg(onFront ? tr("\non the Pareto front") : QString()));
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return QWidget::event(event);
}

CurvePlot::CurvePlot(const QString& title, const QString& xLabel, QWidget* parent) : QWidget(parent), title_(title), xLabel_(xLabel) {
    setMinimumSize(220, 200);
}

void CurvePlot::setCurves(const QList<MethodCurve>& curves) {
    curves_ = curves;
    update();
}

void CurvePlot::setHighlightedRun(qint64 runId) {
    highlighted_ = runId;
    update();
}

void CurvePlot::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    PlotFrame f = frameIn(rect(), kLegendWidth);
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto& c : curves_)
        for (double v : c.values) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    std::tie(f.y0, f.y1) = paddedRange(lo, hi, false);
    f.x0 = 0;
    f.x1 = 1;
    f.draw(painter, title_, xLabel_, tr("class logit"));
    if (curves_.isEmpty()) {
        painter.drawText(f.area, Qt::AlignCenter, tr("No curves"));
        return;
    }
    QList<PlotFrame::LegendEntry> legend;
    for (const auto& c : curves_) {
        if (c.values.size() < 2) continue;
        QPainterPath path;
        for (size_t j = 0; j < c.values.size(); ++j) {
            const QPointF at = f.map(double(j) / double(c.values.size() - 1), c.values[j]);
            if (j == 0) path.moveTo(at);
            else path.lineTo(at);
        }
        painter.setPen(QPen(c.color, c.runId == highlighted_ ? 3.5 : 1.8, c.style));
        painter.setBrush(Qt::NoBrush);
        painter.drawPath(path);
        if (std::none_of(legend.begin(), legend.end(), [&](const auto& e) { return e.name == c.family; }))
            legend.append({c.family, c.color, Qt::SolidLine});
        if (std::none_of(legend.begin(), legend.end(), [&](const auto& e) { return e.name == c.estimator; }))
            legend.append({c.estimator, themeColors().text, c.style});
    }
    f.drawLegend(painter, legend);
}

}  // namespace cs::ui
