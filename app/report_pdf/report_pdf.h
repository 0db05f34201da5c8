#pragma once
// PDF of a ConceptStudio report: the HTML made by cs_report in its Print flavour, laid out by
// Qt's QTextDocument on A4 pages and written with QPdfWriter. Needs no display: when the
// process has no QGuiApplication yet, one is created on Qt's "offscreen" platform (no GL is
// involved). Pictures come only from data: URIs in the HTML (PNG, and SVG charts rendered
// with QtSvg); any other resource is refused, so a report never reads files or the network.
#include <string>

namespace cs::reportpdf {

struct PdfOptions {
    std::string title = "ConceptStudio report";
    double marginMillimetres = 14.0;
};

// Writes the PDF atomically; cs::Error naming the file when it cannot be written.
void writePdf(const std::string& html, const std::string& pdfPath, const PdfOptions& options = {});

}  // namespace cs::reportpdf
