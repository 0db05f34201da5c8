#include "report_pdf.h"

#include "page_breaks.h"

#include "common/error.h"
#include "common/output_file.h"

#include <QBuffer>
#include <QByteArray>
#include <QGuiApplication>
#include <QImage>
#include <QMarginsF>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgRenderer>
#include <QTextDocument>
#include <QUrl>

#include <cstdio>
#include <cstdlib>

namespace cs::reportpdf {
namespace {

// Qt warns on every headless start that XDG_RUNTIME_DIR is unset (normal for a CLI under
// sudo, cron or CI); that line is noise on the CLI's stderr. Everything else passes through.
QtMessageHandler previousHandler = nullptr;
void filterStartupNoise(QtMsgType type, const QMessageLogContext& context, const QString& message) {
    if (type == QtWarningMsg && message.startsWith(QLatin1String("QStandardPaths: XDG_RUNTIME_DIR"))) return;
    if (previousHandler) previousHandler(type, context, message);
    else std::fprintf(stderr, "%s\n", qPrintable(qFormatLogMessage(type, context, message)));
}

void ensureGuiApplication() {
    if (QCoreApplication::instance()) {
        if (!qobject_cast<QGuiApplication*>(QCoreApplication::instance()))
            throw Error("pdf", "a QCoreApplication exists; PDF rendering needs a QGuiApplication");
        return;
    }
    // Headless by construction: the offscreen platform needs no X server and no GL.
    static int argc = 3;
    static char arg0[] = "concept-studio-cli", arg1[] = "-platform", arg2[] = "offscreen";
    static char* argv[] = {arg0, arg1, arg2, nullptr};
    previousHandler = qInstallMessageHandler(filterStartupNoise);
    // Kept for the process lifetime: destroying it at exit races other static destructors.
    new QGuiApplication(argc, argv);
}

// Resolves only data: URIs; SVG is rasterised at 3x so charts stay sharp in the PDF.
class ReportDocument : public QTextDocument {
protected:
    QVariant loadResource(int type, const QUrl& name) override {
        if (type != QTextDocument::ImageResource || name.scheme() != QLatin1String("data")) return {};
        const QString text = name.toString(QUrl::FullyEncoded);
        const int comma = text.indexOf(QLatin1Char(','));
        if (comma < 0) return {};
        const QString header = text.mid(5, comma - 5);  // after "data:"
        if (!header.endsWith(QLatin1String(";base64"))) return {};
        const QByteArray bytes = QByteArray::fromBase64(text.mid(comma + 1).toLatin1());
        if (header.startsWith(QLatin1String("image/svg+xml"))) {
            QSvgRenderer renderer(bytes);
            if (!renderer.isValid()) return {};
            const QSize size = renderer.defaultSize();
            const qreal scale = 3.0;
            QImage image(size * scale, QImage::Format_ARGB32_Premultiplied);
            image.fill(Qt::white);
            QPainter painter(&image);
            painter.setRenderHint(QPainter::Antialiasing);
            painter.setRenderHint(QPainter::TextAntialiasing);
            renderer.render(&painter);
            painter.end();
            image.setDevicePixelRatio(scale);
            return image;
        }
        QImage image;
        if (!image.loadFromData(bytes)) return {};
        return image;
    }
};

}  // namespace

void writePdf(const std::string& html, const std::string& pdfPath, const PdfOptions& options) {
    ensureGuiApplication();
    // QPdfWriter reports no write errors (a full disk gave a PDF without its trailer), so the PDF
    // is laid out in memory and written by writeOutputFile, which checks every write.
    QBuffer pdf;
    pdf.open(QIODevice::WriteOnly);
    {
        QPdfWriter writer(&pdf);
        writer.setTitle(QString::fromStdString(options.title));
        writer.setCreator(QStringLiteral("ConceptStudio"));
        writer.setResolution(144);
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait,
                                         QMarginsF(options.marginMillimetres, options.marginMillimetres,
                                                   options.marginMillimetres, options.marginMillimetres),
                                         QPageLayout::Millimeter));
        ReportDocument document;
        document.setDocumentMargin(0);
        document.setHtml(QString::fromStdString(html));
        keepHeadingsWithTheirSections(document, writer);
        document.print(&writer);
    }
    if (pdf.data().isEmpty()) throw Error(pdfPath, "the PDF writer produced no output");
    writeOutputFile(pdfPath, std::string_view(pdf.data().constData(), static_cast<size_t>(pdf.data().size())));
}

}  // namespace cs::reportpdf
