#pragma once
// Headings kept with their section in the PDF: Qt's QTextDocument has no keep-with-next, so a
// section heading could end a page with its section starting on the next.
#include <QTextDocument>

class QPagedPaintDevice;

namespace cs::reportpdf {

// Lays `document` out as QTextDocument::print lays it out on `printer` (a copy on the printer's
// page with Qt's 2 cm frame margins) and gives every heading that would end a page, apart from the
// block after it, a page break before it; repeated until none is left, as a break moves what
// follows. Returns the number of headings moved.
int keepHeadingsWithTheirSections(QTextDocument& document, QPagedPaintDevice& printer);

// Headings that end a page apart from the block after them, in that same layout (for tests).
int headingsAtPageFoot(const QTextDocument& document, QPagedPaintDevice& printer);

}  // namespace cs::reportpdf
