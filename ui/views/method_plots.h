#pragma once
// The Methods view's charts, drawn with QPainter (the stack has no chart library):
//  - SparsityFidelityPlot: one point per run, L0 across and relative reconstruction error up (both
//    costs), coloured by dictionary, with the Pareto front (metrics/pareto.h) joined as a staircase;
//    a click on a point picks its run.
//  - CurvePlot: one curve per run over the concepts removed (C-Deletion) or added (C-Insertion),
//    the share of concepts across.
#include <QColor>
#include <QList>
#include <QPointF>
#include <QString>
#include <QWidget>

#include <vector>

namespace cs::ui {

struct MethodPoint {
    qint64 runId = 0;
    QString label;    // e.g. "#4 pca × sobol"
    QString family;   // the dictionary: one colour, one legend entry
    QColor color;
    double l0 = 0, error = 0;
};

struct MethodCurve {
    qint64 runId = 0;
    QString label;
    QString family, estimator;  // colour by dictionary, line style by importance estimator
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
    std::vector<double> values;  // at 0, 1/n, ..., 1 of the concepts
};

// Axis ranges and the mapping of values into a plot's drawing area (shared by both charts).
struct PlotFrame {
    QRectF area;  // where data is drawn, in widget pixels
    double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    QPointF map(double x, double y) const;
    // Draws the axes, their ticks and labels, and a title above the area.
    void draw(class QPainter& painter, const QString& title, const QString& xLabel, const QString& yLabel) const;
    // A legend in the area's top right corner: a sample (dot or line) and a name per entry.
    struct LegendEntry {
        QString name;
        QColor color;
        Qt::PenStyle style = Qt::NoPen;  // NoPen: a dot
    };
    void drawLegend(class QPainter& painter, const QList<LegendEntry>& entries) const;
};

class SparsityFidelityPlot : public QWidget {
    Q_OBJECT
public:
    explicit SparsityFidelityPlot(QWidget* parent = nullptr);
    void setPoints(const QList<MethodPoint>& points);
    const QList<MethodPoint>& points() const { return points_; }
    // Indices into points() of the runs on the Pareto front, by increasing L0.
    const std::vector<size_t>& front() const { return front_; }
    void setHighlightedRun(qint64 runId);
    // Where a point is drawn, in widget pixels (for tests and tooltips).
    QPointF pointPosition(int index) const;
    QSize sizeHint() const override { return {420, 300}; }

signals:
    void runClicked(qint64 runId);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    bool event(QEvent* event) override;  // tooltips name the point under the mouse

private:
    PlotFrame frame() const;
    int pointAt(const QPointF& position) const;

    QList<MethodPoint> points_;
    std::vector<size_t> front_;
    qint64 highlighted_ = 0;
};

class CurvePlot : public QWidget {
    Q_OBJECT
public:
    CurvePlot(const QString& title, const QString& xLabel, QWidget* parent = nullptr);
    void setCurves(const QList<MethodCurve>& curves);
    const QList<MethodCurve>& curves() const { return curves_; }
    void setHighlightedRun(qint64 runId);
    QSize sizeHint() const override { return {360, 300}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QString title_, xLabel_;
    QList<MethodCurve> curves_;
    qint64 highlighted_ = 0;
};

}  // namespace cs::ui
