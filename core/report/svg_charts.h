#pragma once
// Charts as standalone SVG text (SVG Tiny 1.2 subset: rect, line, polyline, polygon, circle, text),
// so the same figure is inlined in the HTML report and rasterised by Qt's SVG renderer for
// the PDF. Every label is escaped; no external references.
#include <string>
#include <vector>

namespace cs::report {

// Categorical palette (Tableau 10) shared by charts and crop frames; index wraps around.
std::string paletteColor(size_t index);

struct Bar {
    std::string label;
    double value = 0.0;
    double error = 0.0;  // half-length of the whisker; 0 = none
    std::string color;   // empty = palette by position
};

// Horizontal bars, one row per bar in the given order, with a value axis from 0 (or the
// minimum when negative) to the maximum (including whiskers).
std::string barChartSvg(const std::vector<Bar>& bars, const std::string& valueLabel, int width = 640);

struct Series {
    std::string name;
    std::vector<double> x, y;
    std::string color;  // empty = palette by position
    bool dashed = false;
    bool markers = false;  // a dot at each point (a scatter when the series has one point)
};

// Line chart with axes, ticks and a legend. Non-finite points are skipped.
std::string lineChartSvg(const std::vector<Series>& series, const std::string& xLabel, const std::string& yLabel,
                         int width = 640, int height = 320);

struct PolygonShape {
    std::vector<std::pair<double, double>> points;  // in layout units
    std::string fill;
    std::string label;    // drawn at `anchor` when the polygon is large enough
    std::string tooltip;  // <title>
    double anchorX = 0, anchorY = 0;
    int depth = 0;        // deeper polygons get thinner outlines
};

// Polygons scaled to fit `width` preserving the aspect ratio of their bounding box.
std::string polygonsSvg(const std::vector<PolygonShape>& polygons, int width = 640);

}  // namespace cs::report
