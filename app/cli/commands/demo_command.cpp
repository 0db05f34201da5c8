// `concept-studio-cli demo --out DIR`: the embedded default. Runs the demo pipeline of core/demo
// (demo models and data, both demo analyses into DIR/demo.cstudio, the report) as one job,
// adds the report's PDF when this build has PDF support, and prints the summary.
#include "cli_support.h"
#include "command.h"

#include "demo/demo_pipeline.h"

#ifdef CS_HAVE_REPORT_PDF
#include "report_pdf.h"
#endif

#include <iostream>
#include <memory>

namespace cs::cli {
namespace {

class DemoCommand : public Command {
public:
    std::string name() const override { return "demo"; }
    std::string description() const override {
        return "Run the embedded demo: both demo analyses into DIR/demo.cstudio and a report";
    }
    void setup(CLI::App& sub) override {
        sub.add_option("--out", options_.outDir, "Output folder (created if missing)")->required();
        sub.add_option("--cache", options_.cacheDir,
                       "Where the trained demo CNN is cached (default: ~/.cache/concept-studio/demo)");
        sub.add_option("--craft-images", options_.craftImages, "Sneaker test images analysed by CRAFT")
            ->check(CLI::Range(1, 1000));
        sub.add_flag("--skip-recsae", options_.skipRecsae, "Only the vision demo (faster)");
        sub.add_flag("--fresh", options_.fresh, "Recompute even when DIR holds a finished demo of the same options");
    }
    int run() override {
        options_.note = [](const std::string& line) { std::cerr << line << "\n"; };
#ifdef CS_HAVE_REPORT_PDF
        options_.writePdf = [](const std::string& html, const std::string& pdfPath) {
            reportpdf::writePdf(html, pdfPath);
        };
#endif
        auto summary = std::make_shared<nlohmann::json>();
        const auto outcome = runJobWithProgress(std::make_unique<jobs::FunctionJob>(
            "demo", [options = options_, summary](jobs::JobContext& context) {
                *summary = demo::runDemoPipeline(options, context);
            }));
        if (outcome.state != jobs::JobState::Done) return exitCodeFor(outcome);
        std::cout << summary->dump(2) << "\n";
        std::cout << "Open it in the studio: concept-studio " << summary->value("project", std::string()) << "\n";
        return 0;
    }

private:
    demo::DemoOptions options_;
};

CommandRegistrar<DemoCommand> registrar;

}  // namespace
}  // namespace cs::cli
