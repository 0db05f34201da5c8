// concept-studio-cli report / export end to end on the synthetic project: files, exit codes,
// messages naming the file; the PDF checked with poppler's pdftotext.
#include "cli_runner.h"
#include "report_fixture.h"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

using Result = cs::testing::CliResult;

// The report and export commands' messages, stdout and stderr together as a user sees them.
Result run(const std::string& arguments) { return cs::testing::runCli(arguments, cs::testing::CliStreams::Merged); }

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

class CliReportTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::string(CS_TEST_TMP) + "/cli_report_" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
        std::filesystem::remove_all(dir_);
        project_ = cs::report::testing::buildSyntheticProject(dir_);
    }
    std::string dir_;
    cs::report::testing::SyntheticProject project_;
};

TEST_F(CliReportTest, WritesHtmlReport) {
    const Result r = run("report --project '" + project_.path + "' --out '" + dir_ + "/out'");
    ASSERT_EQ(r.exitCode, 0) << r.out;
    const std::string html = readFile(dir_ + "/out/report.html");
    EXPECT_NE(html.find(">Concept importance</h3>"), std::string::npos);
    EXPECT_NE(html.find(">Latents</h3>"), std::string::npos);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/out/report.html.part"));

    const Result one = run("report --project '" + project_.path + "' --run " + std::to_string(project_.saeRunId) +
                           " --out '" + dir_ + "/one'");
    ASSERT_EQ(one.exitCode, 0) << one.out;
    const std::string saeOnly = readFile(dir_ + "/one/report.html");
    EXPECT_NE(saeOnly.find(">SAE metrics</h3>"), std::string::npos);
    EXPECT_EQ(saeOnly.find(">Concept importance</h3>"), std::string::npos);
}

TEST_F(CliReportTest, BadInputExitCodes) {
    Result r = run("report --project '" + dir_ + "/missing.cstudio' --out '" + dir_ + "/out'");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.out.find("missing.cstudio"), std::string::npos) << r.out;

    r = run("report --project '" + project_.path + "' --run 777 --out '" + dir_ + "/out'");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.out.find("no run 777"), std::string::npos) << r.out;

    r = run("report --project '" + project_.path + "'");  // --out missing
    EXPECT_EQ(r.exitCode, 2) << r.out;

    // A project file that is not a project.
    std::ofstream(dir_ + "/fake.cstudio") << "not sqlite at all";
    r = run("report --project '" + dir_ + "/fake.cstudio' --out '" + dir_ + "/out'");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.out.find("fake.cstudio"), std::string::npos) << r.out;

    r = run("export --project '" + project_.path + "' --out '" + dir_ + "/x' --what csv,xls");
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_NE(r.out.find("xls"), std::string::npos) << r.out;
}

TEST_F(CliReportTest, ExportsEveryFinishedRun) {
    const Result r = run("export --project '" + project_.path + "' --out '" + dir_ + "/exp'");
    ASSERT_EQ(r.exitCode, 0) << r.out;
    const std::string craft = dir_ + "/exp/run-" + std::to_string(project_.craftRunId);
    const std::string sae = dir_ + "/exp/run-" + std::to_string(project_.saeRunId);
    for (const std::string& file : {craft + "/concepts.csv", craft + "/concepts.json", craft + "/run.json",
                                    craft + "/concept_vectors_W_layer4.npy", craft + "/coefficients_U.npy",
                                    craft + "/png/heatmap/sneaker_1_projection.png", sae + "/latents.csv",
                                    sae + "/latents.json", sae + "/sae-weights_W_enc.npy",
                                    sae + "/json/latent-hierarchy/coactivation.json"})
        EXPECT_TRUE(std::filesystem::is_regular_file(file)) << file;
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/exp/run-" + std::to_string(project_.failedRunId)));

    const Result pictures = run("export --project '" + project_.path + "' --run " +
                                std::to_string(project_.craftRunId) + " --what png --out '" + dir_ + "/pics'");
    ASSERT_EQ(pictures.exitCode, 0) << pictures.out;
    size_t files = 0;
    for (auto& entry : std::filesystem::recursive_directory_iterator(dir_ + "/pics"))
        if (entry.is_regular_file()) {
            ++files;
            EXPECT_EQ(entry.path().extension(), ".png");
        }
    EXPECT_EQ(files, 8u);  // 2 heatmaps, 2 overlays, 1 crop, 2 thumbnails, 1 source picture
}

#ifdef CS_CLI_HAS_PDF
std::string pdfToText(const std::string& pdf) {
    const std::string txt = pdf + ".txt";
    std::filesystem::remove(txt);
    const int status = std::system(("pdftotext -layout '" + pdf + "' '" + txt + "'").c_str());
    EXPECT_EQ(status, 0);
    return readFile(txt);
}

TEST_F(CliReportTest, PdfHasEverySection) {
    const Result r = run("report --project '" + project_.path + "' --out '" + dir_ + "/pdf' --pdf");
    ASSERT_EQ(r.exitCode, 0) << r.out;
    const std::string pdf = dir_ + "/pdf/report.pdf";
    ASSERT_TRUE(std::filesystem::is_regular_file(pdf));
    EXPECT_EQ(readFile(pdf).substr(0, 5), "%PDF-");
    const std::string text = pdfToText(pdf);
    for (const std::string& title : {"Model and data", "Parameters", "Concept importance", "Best crops per concept",
                                     "Concept attribution maps", "Concept hierarchy", "Faithfulness", "SAE metrics",
                                     "Latents", "Ablation results", "Latent hierarchy", "Reproducibility"})
        EXPECT_NE(text.find(title), std::string::npos) << title;
    // The hostile class name is shown as text (escaped in the HTML, literal in the PDF).
    EXPECT_NE(text.find("<script>alert('class')</script>"), std::string::npos);
    EXPECT_NE(text.find(project_.modelSha256.substr(0, 16)), std::string::npos);
    // Pages render as pictures (the test leaves them in the folder for a look).
    ASSERT_EQ(std::system(("pdftoppm -r 40 -png '" + pdf + "' '" + dir_ + "/pdf/page'").c_str()), 0);
    size_t pages = 0;
    for (auto& entry : std::filesystem::directory_iterator(dir_ + "/pdf"))
        if (entry.path().extension() == ".png") ++pages;
    EXPECT_GE(pages, 3u);
}
#endif

}  // namespace
