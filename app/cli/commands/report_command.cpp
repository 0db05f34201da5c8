// concept-studio-cli report --project P [--run ID] --out DIR [--pdf]
// Writes DIR/report.html (self-contained) and, with --pdf, DIR/report.pdf from the project's
// finished runs, or only the named ones.
#include "command.h"

#include "common/error.h"
#include "common/output_file.h"
#include "report/file_output.h"
#include "report/html_report.h"
#include "store/project_store.h"

#ifdef CS_HAVE_REPORT_PDF
#include "report_pdf.h"
#endif

#include <filesystem>
#include <iostream>

namespace {

class ReportCommand : public cs::cli::Command {
public:
    std::string name() const override { return "report"; }
    std::string description() const override {
        return "Write a self-contained HTML report (and a PDF with --pdf) of a project's runs";
    }
    void setup(CLI::App& sub) override {
        sub.add_option("--project", project_, "Project file (.cstudio)")->required();
        sub.add_option("--run", runs_, "Run id to report (repeatable; default: every finished run)");
        sub.add_option("--out", out_, "Output folder (created if missing)")->required();
        sub.add_flag("--pdf", pdf_, "Also write report.pdf (rendered headless with Qt)");
    }
    int run() override {
        if (!std::filesystem::exists(project_)) throw cs::Error(project_, "no such project file");
#ifndef CS_HAVE_REPORT_PDF
        if (pdf_) throw cs::Error("report.pdf", "this build has no PDF support (Qt 6 Gui/Svg were not found)");
#endif
        auto store = cs::store::ProjectStore::open(project_, /*readOnly=*/true);
        cs::report::ensureDirectory(out_);
        cs::report::ReportOptions options;
        options.runIds = runs_;
        const std::string html = cs::report::renderHtmlReport(*store, options);
        const std::string htmlPath = (std::filesystem::path(out_) / "report.html").string();
        cs::writeOutputFile(htmlPath, html);
        std::cout << htmlPath << "\n";
#ifdef CS_HAVE_REPORT_PDF
        if (pdf_) {
            options.flavor = cs::report::ReportFlavor::Print;
            const std::string printHtml = cs::report::renderHtmlReport(*store, options);
            const std::string pdfPath = (std::filesystem::path(out_) / "report.pdf").string();
            cs::reportpdf::PdfOptions pdfOptions;
            pdfOptions.title = "ConceptStudio report: " + std::filesystem::path(project_).filename().string();
            cs::reportpdf::writePdf(printHtml, pdfPath, pdfOptions);
            std::cout << pdfPath << "\n";
        }
#endif
        return 0;
    }

private:
    std::string project_, out_;
    std::vector<int64_t> runs_;
    bool pdf_ = false;
};

cs::cli::CommandRegistrar<ReportCommand> registrar;

}  // namespace
