#include "page_breaks.h"

#include <QAbstractTextDocumentLayout>
#include <QGuiApplication>
#include <QPagedPaintDevice>
#include <QScreen>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextFrame>
#include <QTextFrameFormat>

#include <cmath>
#include <memory>
#include <vector>

namespace cs::reportpdf {
namespace {

// QTextDocument::print's source resolution: the screen's, or 100 dpi without one.
qreal sourceDpi(bool horizontal) {
    const QScreen* screen = QGuiApplication::primaryScreen();
    if (!screen) return 100.0;
    return std::round(horizontal ? screen->logicalDotsPerInchX() : screen->logicalDotsPerInchY());
}

// A copy of `document` laid out on the printer's pages the way print() lays out its own copy.
std::unique_ptr<QTextDocument> printLayout(const QTextDocument& document, QPagedPaintDevice& printer) {
    std::unique_ptr<QTextDocument> copy(document.clone());
    copy->documentLayout()->setPaintDevice(&printer);
    QTextFrameFormat frame = copy->rootFrame()->frameFormat();
    const qreal horizontal = int((2 / 2.54) * sourceDpi(true)), vertical = int((2 / 2.54) * sourceDpi(false));
    frame.setLeftMargin(horizontal);
    frame.setRightMargin(horizontal);
    frame.setTopMargin(vertical);
    frame.setBottomMargin(vertical);
    copy->rootFrame()->setFrameFormat(frame);
    copy->setPageSize(QSizeF(printer.width(), printer.height()));
    return copy;
}

// Block numbers of the headings that end a page apart from the block after them.
std::vector<int> orphanHeadings(const QTextDocument& laidOut) {
    std::vector<int> orphans;
    const qreal pageHeight = laidOut.pageSize().height();
    QAbstractTextDocumentLayout* layout = laidOut.documentLayout();
    for (QTextBlock block = laidOut.begin(); block.isValid(); block = block.next()) {
        if (block.blockFormat().headingLevel() == 0) continue;
        QTextBlock next = block.next();
        // Empty blocks between a heading and its section (length 1: the block separator alone) are skipped.
        while (next.isValid() && next.length() <= 1 && next.blockFormat().headingLevel() == 0) next = next.next();
        if (!next.isValid()) continue;
        const int headingPage = int(layout->blockBoundingRect(block).top() / pageHeight);
        const int nextPage = int(layout->blockBoundingRect(next).top() / pageHeight);
        if (nextPage > headingPage) orphans.push_back(block.blockNumber());
    }
    return orphans;
}

}  // namespace

int headingsAtPageFoot(const QTextDocument& document, QPagedPaintDevice& printer) {
    return static_cast<int>(orphanHeadings(*printLayout(document, printer)).size());
}

int keepHeadingsWithTheirSections(QTextDocument& document, QPagedPaintDevice& printer) {
    int moved = 0;
    // Each pass moves the first orphan only: its break shifts everything after it.
    for (int pass = 0; pass < 200; ++pass) {
        const std::vector<int> orphans = orphanHeadings(*printLayout(document, printer));
        if (orphans.empty()) break;
        QTextBlock heading = document.findBlockByNumber(orphans.front());
        QTextBlockFormat format = heading.blockFormat();
        format.setPageBreakPolicy(format.pageBreakPolicy() | QTextFormat::PageBreak_AlwaysBefore);
        QTextCursor(heading).setBlockFormat(format);
        ++moved;
    }
    return moved;
}

}  // namespace cs::reportpdf
