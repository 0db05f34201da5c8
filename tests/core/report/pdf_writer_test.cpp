// cs_report_pdf directly: a PDF from the print flavour of the synthetic report, headless;
// the charts (SVG) become pictures; unwritable destinations are errors naming the file.
#include "page_breaks.h"
#include "report_pdf.h"

#include "common/error.h"
#include "report/html_report.h"
#include "report_fixture.h"
#include "store/project_store.h"

#include <gtest/gtest.h>

#include <QBuffer>
#include <QPageLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QTextDocument>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string commandOutput(const std::string& command) {
    FILE* pipe = popen(command.c_str(), "r");
    std::string out;
    char buffer[4096];
    size_t n;
    while (pipe && (n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    if (pipe) pclose(pipe);
    return out;
}

TEST(PdfWriter, RendersReportWithPictures) {
    const std::string dir = std::string(CS_TEST_TMP) + "/pdf_writer";
    std::filesystem::remove_all(dir);
    const auto project = cs::report::testing::buildSyntheticProject(dir);
    auto store = cs::store::ProjectStore::open(project.path, true);
    cs::report::ReportOptions options;
    options.flavor = cs::report::ReportFlavor::Print;
    const std::string pdf = dir + "/report.pdf";
    cs::reportpdf::writePdf(cs::report::renderHtmlReport(*store, options), pdf, {"Synthetic <report>", 14.0});
    ASSERT_TRUE(std::filesystem::is_regular_file(pdf));
    const std::string info = commandOutput("pdfinfo '" + pdf + "'");
    EXPECT_NE(info.find("Synthetic <report>"), std::string::npos) << info;
    const std::string text = commandOutput("pdftotext '" + pdf + "' -");
    EXPECT_NE(text.find("Concept importance"), std::string::npos);
    EXPECT_NE(text.find("genre:0"), std::string::npos);
    // Pictures made it into the PDF: crops and heatmaps (PNG) and the rasterised SVG charts.
    const std::string images = commandOutput("pdfimages -list '" + pdf + "'");
    size_t lines = 0;
    for (char c : images) lines += c == '\n';
    EXPECT_GE(lines, 2u + 15u) << images;  // 2 header lines + pictures
}

// Sections of uneven length: without care some heading ends a page with its body on the next.
// In the PDF every heading shares its page with the first words of its section.
TEST(PdfWriter, KeepsEveryHeadingOnThePageOfItsSection) {
    std::string html = "<html><body>";
    for (int k = 0; k < 60; ++k) {
        html += "<h3>Section " + std::to_string(k) + "</h3><p>Body" + std::to_string(k) + " starts here.";
        for (int w = 0; w < 20 + (k * 37) % 90; ++w) html += " word";
        html += "</p>";
    }
    html += "</body></html>";
    const std::string dir = std::string(CS_TEST_TMP) + "/pdf_headings";
    std::filesystem::create_directories(dir);
    const std::string pdf = dir + "/headings.pdf";
    cs::reportpdf::writePdf(html, pdf, {"Headings", 14.0});  // also starts Qt's offscreen application

    // The case is a real one: laid out as it comes, headings do end pages.
    QBuffer sink;
    sink.open(QIODevice::WriteOnly);
    QPdfWriter writer(&sink);
    writer.setResolution(144);
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait, QMarginsF(14, 14, 14, 14), QPageLayout::Millimeter));
    QTextDocument document;
    document.setDocumentMargin(0);
    document.setHtml(QString::fromStdString(html));
    ASSERT_GT(cs::reportpdf::headingsAtPageFoot(document, writer), 0);
    EXPECT_GT(cs::reportpdf::keepHeadingsWithTheirSections(document, writer), 0);
    EXPECT_EQ(cs::reportpdf::headingsAtPageFoot(document, writer), 0);

    // And in the PDF written: pdftotext separates pages with a form feed.
    const std::string text = commandOutput("pdftotext '" + pdf + "' -");
    auto pageOf = [&](const std::string& needle) {
        const size_t at = text.find(needle);
        return at == std::string::npos ? -1 : static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\f'));
    };
    for (int k = 0; k < 60; ++k) {
        const int heading = pageOf("Section " + std::to_string(k) + "\n"), body = pageOf("Body" + std::to_string(k) + " ");
        ASSERT_GE(heading, 0) << k;
        EXPECT_EQ(heading, body) << "section " << k;
    }
}

TEST(PdfWriter, UnwritableDestinationIsAnError) {
    try {
        cs::reportpdf::writePdf("<p>x</p>", "/nonexistent-folder/report.pdf");
        FAIL() << "expected cs::Error";
    } catch (const cs::Error& e) {
        EXPECT_EQ(e.subject(), "/nonexistent-folder/report.pdf");
    }
}

}  // namespace
