#include "report/svg_charts.h"

#include "report/text_encoding.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace cs::report {
namespace {

std::string svgOpen(int width, int height) {
    std::ostringstream out;
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.2\" baseProfile=\"tiny\" width=\"" << width
        << "\" height=\"" << height << "\" viewBox=\"0 0 " << width << ' ' << height
        << "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">"
        << "<rect x=\"0\" y=\"0\" width=\"" << width << "\" height=\"" << height << "\" fill=\"#ffffff\"/>";
    return out.str();
}

std::string fmt(double v) { return formatNumber(v, 6); }

// "Nice" tick step (1, 2, 5 × 10^k) giving about `count` ticks over `span`.
double niceStep(double span, int count) {
    if (!(span > 0)) return 1.0;
    const double raw = span / count;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double r = raw / magnitude;
    return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * magnitude;
}

std::string truncateLabel(const std::string& label, size_t maxChars) {
    if (label.size() <= maxChars) return label;
    // Cut on a UTF-8 boundary.
    size_t cut = maxChars - 1;
    while (cut > 0 && (static_cast<unsigned char>(label[cut]) & 0xC0) == 0x80) --cut;
    return label.substr(0, cut) + "\xE2\x80\xA6";
}

}  // namespace

std::string paletteColor(size_t index) {
    static const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                     "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
    return kPalette[index % 10];
}

std::string barChartSvg(const std::vector<Bar>& bars, const std::string& valueLabel, int width) {
    const int rowHeight = 22, top = 10, labelWidth = 170, right = 60, axisHeight = 40;
    const int height = top + static_cast<int>(bars.size()) * rowHeight + axisHeight;
    double lo = 0.0, hi = 0.0;
    for (const Bar& bar : bars) {
        if (!std::isfinite(bar.value)) continue;
        const double err = std::isfinite(bar.error) ? std::abs(bar.error) : 0.0;
        lo = std::min(lo, bar.value - err);
        hi = std::max(hi, bar.value + err);
    }
    if (hi - lo <= 0) hi = lo + 1.0;
    const double step = niceStep(hi - lo, 5);
    lo = std::floor(lo / step) * step;
    hi = std::ceil(hi / step) * step;
    const double plotWidth = width - labelWidth - right;
    auto xOf = [&](double v) { return labelWidth + (v - lo) / (hi - lo) * plotWidth; };

    std::ostringstream out;
    out << svgOpen(width, height);
    const double axisY = top + bars.size() * rowHeight;
    for (double t = lo; t <= hi + step * 1e-9; t += step) {
        const double x = xOf(t);
        out << "<line x1=\"" << fmt(x) << "\" y1=\"" << top << "\" x2=\"" << fmt(x) << "\" y2=\"" << fmt(axisY)
            << "\" stroke=\"#e0e0e0\" stroke-width=\"1\"/>"
            << "<text x=\"" << fmt(x) << "\" y=\"" << fmt(axisY + 15) << "\" text-anchor=\"middle\" fill=\"#444444\">"
            << escapeHtml(formatNumber(t, 3)) << "</text>";
    }
    for (size_t i = 0; i < bars.size(); ++i) {
        const Bar& bar = bars[i];
        const double y = top + i * rowHeight;
        const std::string color = bar.color.empty() ? paletteColor(i) : bar.color;
        out << "<text x=\"" << labelWidth - 6 << "\" y=\"" << fmt(y + rowHeight * 0.68)
            << "\" text-anchor=\"end\" fill=\"#222222\">" << escapeHtml(truncateLabel(bar.label, 26)) << "</text>";
        if (!std::isfinite(bar.value)) {
            out << "<text x=\"" << labelWidth + 4 << "\" y=\"" << fmt(y + rowHeight * 0.68) << "\" fill=\"#aa0000\">"
                << escapeHtml(formatNumber(bar.value)) << "</text>";
            continue;
        }
        const double x0 = xOf(std::min(0.0, bar.value)), x1 = xOf(std::max(0.0, bar.value));
        out << "<rect x=\"" << fmt(x0) << "\" y=\"" << fmt(y + 3) << "\" width=\"" << fmt(std::max(x1 - x0, 0.5))
            << "\" height=\"" << rowHeight - 6 << "\" fill=\"" << escapeHtml(color) << "\"><title>"
            << escapeHtml(bar.label) << ": " << escapeHtml(formatNumber(bar.value)) << "</title></rect>";
        if (bar.error > 0 && std::isfinite(bar.error)) {
            const double ym = y + rowHeight / 2.0;
            const double ea = xOf(bar.value - bar.error), eb = xOf(bar.value + bar.error);
            out << "<line x1=\"" << fmt(ea) << "\" y1=\"" << fmt(ym) << "\" x2=\"" << fmt(eb) << "\" y2=\"" << fmt(ym)
                << "\" stroke=\"#333333\" stroke-width=\"1.2\"/>"
                << "<line x1=\"" << fmt(ea) << "\" y1=\"" << fmt(ym - 4) << "\" x2=\"" << fmt(ea) << "\" y2=\""
                << fmt(ym + 4) << "\" stroke=\"#333333\" stroke-width=\"1.2\"/>"
                << "<line x1=\"" << fmt(eb) << "\" y1=\"" << fmt(ym - 4) << "\" x2=\"" << fmt(eb) << "\" y2=\""
                << fmt(ym + 4) << "\" stroke=\"#333333\" stroke-width=\"1.2\"/>";
        }
        out << "<text x=\"" << fmt(std::max(x1, bar.error > 0 ? xOf(bar.value + bar.error) : x1) + 4) << "\" y=\""
            << fmt(y + rowHeight * 0.68) << "\" fill=\"#444444\" font-size=\"11\">"
            << escapeHtml(formatNumber(bar.value, 3)) << "</text>";
    }
    out << "<line x1=\"" << labelWidth << "\" y1=\"" << fmt(axisY) << "\" x2=\"" << fmt(labelWidth + plotWidth)
        << "\" y2=\"" << fmt(axisY) << "\" stroke=\"#444444\" stroke-width=\"1\"/>"
        << "<text x=\"" << fmt(labelWidth + plotWidth / 2) << "\" y=\"" << fmt(axisY + 32)
        << "\" text-anchor=\"middle\" fill=\"#222222\">" << escapeHtml(valueLabel) << "</text></svg>";
    return out.str();
}

std::string lineChartSvg(const std::vector<Series>& series, const std::string& xLabel, const std::string& yLabel,
                         int width, int height) {
    const int left = 60, right = 170, top = 12, bottom = 44;
    double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
    for (const Series& s : series)
        for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
            if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
            xlo = std::min(xlo, s.x[i]);
            xhi = std::max(xhi, s.x[i]);
            ylo = std::min(ylo, s.y[i]);
            yhi = std::max(yhi, s.y[i]);
        }
    if (!std::isfinite(xlo)) xlo = 0, xhi = 1, ylo = 0, yhi = 1;
    if (xhi - xlo <= 0) xhi = xlo + 1;
    if (yhi - ylo <= 0) yhi = ylo + 1;
    const double xstep = niceStep(xhi - xlo, 5), ystep = niceStep(yhi - ylo, 5);
    xlo = std::floor(xlo / xstep) * xstep, xhi = std::ceil(xhi / xstep) * xstep;
    ylo = std::floor(ylo / ystep) * ystep, yhi = std::ceil(yhi / ystep) * ystep;
    const double pw = width - left - right, ph = height - top - bottom;
    auto X = [&](double v) { return left + (v - xlo) / (xhi - xlo) * pw; };
    auto Y = [&](double v) { return top + ph - (v - ylo) / (yhi - ylo) * ph; };

    std::ostringstream out;
    out << svgOpen(width, height);
    for (double t = xlo; t <= xhi + xstep * 1e-9; t += xstep)
        out << "<line x1=\"" << fmt(X(t)) << "\" y1=\"" << top << "\" x2=\"" << fmt(X(t)) << "\" y2=\""
            << fmt(top + ph) << "\" stroke=\"#e8e8e8\" stroke-width=\"1\"/><text x=\"" << fmt(X(t)) << "\" y=\""
            << fmt(top + ph + 15) << "\" text-anchor=\"middle\" fill=\"#444444\">" << escapeHtml(formatNumber(t, 3))
            << "</text>";
    for (double t = ylo; t <= yhi + ystep * 1e-9; t += ystep)
        out << "<line x1=\"" << left << "\" y1=\"" << fmt(Y(t)) << "\" x2=\"" << fmt(left + pw) << "\" y2=\""
            << fmt(Y(t)) << "\" stroke=\"#e8e8e8\" stroke-width=\"1\"/><text x=\"" << left - 5 << "\" y=\""
            << fmt(Y(t) + 4) << "\" text-anchor=\"end\" fill=\"#444444\">" << escapeHtml(formatNumber(t, 3))
            << "</text>";
    out << "<polyline points=\"" << left << ',' << top << ' ' << left << ',' << fmt(top + ph) << ' '
        << fmt(left + pw) << ',' << fmt(top + ph) << "\" fill=\"none\" stroke=\"#444444\" stroke-width=\"1\"/>";
    for (size_t si = 0; si < series.size(); ++si) {
        const Series& s = series[si];
        const std::string color = s.color.empty() ? paletteColor(si) : s.color;
        std::ostringstream points;
        for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i)
            if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) points << fmt(X(s.x[i])) << ',' << fmt(Y(s.y[i])) << ' ';
        out << "<polyline points=\"" << points.str() << "\" fill=\"none\" stroke=\"" << escapeHtml(color)
            << "\" stroke-width=\"2\"" << (s.dashed ? " stroke-dasharray=\"6,4\"" : "") << "><title>"
            << escapeHtml(s.name) << "</title></polyline>";
        if (s.markers)
            for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i)
                if (std::isfinite(s.x[i]) && std::isfinite(s.y[i]))
                    out << "<circle cx=\"" << fmt(X(s.x[i])) << "\" cy=\"" << fmt(Y(s.y[i])) << "\" r=\"5\" fill=\"" << escapeHtml(color)
                        << "\" stroke=\"#222222\" stroke-width=\"1\"><title>" << escapeHtml(s.name) << "</title></circle>";
        const double ly = top + 8 + si * 18.0;
        out << "<line x1=\"" << fmt(left + pw + 12) << "\" y1=\"" << fmt(ly) << "\" x2=\"" << fmt(left + pw + 36)
            << "\" y2=\"" << fmt(ly) << "\" stroke=\"" << escapeHtml(color) << "\" stroke-width=\"2\""
            << (s.dashed ? " stroke-dasharray=\"6,4\"" : "") << "/><text x=\"" << fmt(left + pw + 40) << "\" y=\""
            << fmt(ly + 4) << "\" fill=\"#222222\" font-size=\"11\">" << escapeHtml(truncateLabel(s.name, 20))
            << "</text>";
    }
    out << "<text x=\"" << fmt(left + pw / 2) << "\" y=\"" << height - 8 << "\" text-anchor=\"middle\" fill=\"#222222\">"
        << escapeHtml(xLabel) << "</text><text x=\"14\" y=\"" << fmt(top + ph / 2)
        << "\" text-anchor=\"middle\" fill=\"#222222\" transform=\"rotate(-90 14 " << fmt(top + ph / 2) << ")\">"
        << escapeHtml(yLabel) << "</text></svg>";
    return out.str();
}

std::string polygonsSvg(const std::vector<PolygonShape>& polygons, int width) {
    double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
    for (const auto& p : polygons)
        for (auto [x, y] : p.points) {
            xlo = std::min(xlo, x), xhi = std::max(xhi, x);
            ylo = std::min(ylo, y), yhi = std::max(yhi, y);
        }
    if (!std::isfinite(xlo) || xhi - xlo <= 0 || yhi - ylo <= 0) xlo = 0, xhi = 1, ylo = 0, yhi = 1;
    const double margin = 4;
    const double scale = (width - 2 * margin) / (xhi - xlo);
    const int height = static_cast<int>(std::ceil((yhi - ylo) * scale + 2 * margin));
    std::ostringstream out;
    out << svgOpen(width, height);
    for (const auto& p : polygons) {
        std::ostringstream points;
        for (auto [x, y] : p.points) points << fmt(margin + (x - xlo) * scale) << ',' << fmt(margin + (y - ylo) * scale) << ' ';
        out << "<polygon points=\"" << points.str() << "\" fill=\"" << escapeHtml(p.fill.empty() ? "#dddddd" : p.fill)
            << "\" stroke=\"#ffffff\" stroke-width=\"" << fmt(std::max(0.5, 3.0 - p.depth)) << "\"><title>"
            << escapeHtml(p.tooltip.empty() ? p.label : p.tooltip) << "</title></polygon>";
    }
    // Labels after all fills so no polygon covers a label.
    for (const auto& p : polygons) {
        if (p.label.empty()) continue;
        double pxlo = std::numeric_limits<double>::infinity(), pxhi = -pxlo;
        for (auto [x, y] : p.points) pxlo = std::min(pxlo, x), pxhi = std::max(pxhi, x);
        const double widthPx = (pxhi - pxlo) * scale;
        if (widthPx < 40) continue;
        const size_t maxChars = static_cast<size_t>(widthPx / 7.0);
        out << "<text x=\"" << fmt(margin + (p.anchorX - xlo) * scale) << "\" y=\""
            << fmt(margin + (p.anchorY - ylo) * scale + 4) << "\" text-anchor=\"middle\" fill=\"#111111\" font-size=\"11\">"
            << escapeHtml(truncateLabel(p.label, std::max<size_t>(maxChars, 4))) << "</text>";
    }
    out << "</svg>";
    return out.str();
}

}  // namespace cs::report
