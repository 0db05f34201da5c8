// `concept-studio-cli demo --out DIR`: the embedded default. Prepares the demo models and data
// and runs both demo analyses into one project, then writes a report:
//   1. the demo CNN trained on Fashion-MNIST (cached after the first run),
//   2. CRAFT on its "Sneaker" test images at block3, with a concept tree down to block2,
//   3. synthetic recommendation data with planted tags, SASRec trained on it, RecSAE on SASRec,
//   4. DIR/report/report.html (and report.pdf when this build has PDF support).
// The project is assembled under a temporary name and renamed into place at the end, so an
// earlier DIR/demo.cstudio is only replaced by a complete one.
#include "cli_support.h"
#include "command.h"

#include "common/error.h"
#include "craft/craft_job.h"
#include "data/interactions.h"
#include "demo/demo_vision_model.h"
#include "model/model_loader.h"
#include "report/file_output.h"
#include "report/html_report.h"
#include "sae/demo_data.h"
#include "sae/recsae_job.h"
#include "sae/sasrec.h"
#include "store/project_store.h"

#ifdef CS_HAVE_REPORT_PDF
#include "report_pdf.h"
#endif

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace cs::cli {
namespace {

namespace fs = std::filesystem;

std::string defaultCacheDir() {
    if (const char* dir = std::getenv("CS_DEMO_CACHE"); dir && *dir) return dir;
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/concept-studio/demo";
    if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/concept-studio/demo";
    return fs::temp_directory_path().string() + "/concept-studio-demo-cache";
}

double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs the demo's steps in order on the engine thread; each step is an ordinary job or engine call.
class DemoJob : public jobs::Job {
public:
    DemoJob(std::string outDir, std::string cacheDir, int64_t craftImages, bool skipRecsae, nlohmann::json& summary)
        : outDir_(std::move(outDir)), cacheDir_(std::move(cacheDir)), craftImages_(craftImages),
          skipRecsae_(skipRecsae), summary_(summary) {}
    std::string name() const override { return "demo"; }

    void run(jobs::JobContext& context) override {
        model::configureTorchThreads();
        const auto t0 = std::chrono::steady_clock::now();
        fs::create_directories(outDir_);
        const std::string finalProject = (fs::path(outDir_) / "demo.cstudio").string();
        const std::string project = finalProject + ".partial";
        for (auto suffix : {"", "-wal", "-shm"}) fs::remove(project + suffix);

        // 1. Demo vision model.
        auto forward = [&](const jobs::Progress& p) { context.report(p.stage, p.fraction, p.message); };
        const demo::DemoVisionModel vision = demo::ensureDemoVisionModel(cacheDir_, forward, context.token());
        const std::string modelPath = (fs::path(outDir_) / "models" / "demo-cnn.pt").string();
        fs::create_directories(fs::path(modelPath).parent_path());
        fs::copy_file(vision.path, modelPath, fs::copy_options::overwrite_existing);
        summary_["vision_model"] = {{"path", modelPath},
                                    {"test_accuracy", vision.testAccuracy},
                                    {"train_seconds", vision.trainSeconds},
                                    {"epochs", vision.epochs},
                                    {"from_cache", vision.fromCache}};
        std::cerr << "demo: vision model " << modelPath << " (test accuracy " << vision.testAccuracy * 100.0
                  << "%, trained in " << vision.trainSeconds << " s" << (vision.fromCache ? ", cached" : "") << ")\n";
        context.checkCancelled();

        // 2. CRAFT with a concept tree. 28×28 inputs: patch 10, stride 8 → 9 crops per image.
        store::ProjectStore::create(project).reset();
        craft::CraftJobSpec spec;
        spec.projectPath = project;
        spec.modelPath = modelPath;
        spec.imagesPath = vision.testImagesPath;
        spec.classSpec = "Sneaker";
        spec.maxImages = craftImages_;
        spec.options.layer = "block3";
        spec.options.recursiveLayers = {"block2"};
        spec.options.patchSize = 10;
        spec.options.concepts = 10;
        auto craftOutput = std::make_shared<craft::CraftJobOutput>();
        craft::CraftJob(spec, craftOutput).run(context);
        writeJsonFile((fs::path(outDir_) / "craft.json").string(), craftOutput->summary);
        summary_["craft"] = {{"run_id", craftOutput->runId}, {"json", (fs::path(outDir_) / "craft.json").string()}};
        context.checkCancelled();

        // 3. Recommendation demo: data with planted tags → SASRec → RecSAE.
        if (!skipRecsae_) {
            const std::string recDir = (fs::path(outDir_) / "recsys").string();
            // The size and seed that tests/core/sae/recsae_pipeline_test.cpp holds to the quality
            // bar (FVU, dead latents, NDCG, planted tags recovered), so the demo shows what is tested.
            sae::DemoDataOptions dataOptions;
            dataOptions.numItems = 500;
            dataOptions.numTags = 16;
            dataOptions.numUsers = 1000;
            dataOptions.minLength = 20;
            dataOptions.maxLength = 30;
            const sae::DemoDataFiles files = sae::generateDemoData(recDir, /*seed=*/7, dataOptions);
            const data::InteractionLog log = data::loadInteractions(files.sasrec);
            const std::string sasrecPath = (fs::path(recDir) / "sasrec.pt").string();
            sae::SasRecConfig sasrecConfig;
            sasrecConfig.epochs = 12;
            const sae::SasRecResult trained = sae::trainSasRec(log, sasrecPath, sasrecConfig, &context);
            const nlohmann::json sasrecJson = {{"ndcg10", trained.test.ndcg10},
                                               {"hr10", trained.test.hr10},
                                               {"ndcg10_popularity", trained.popularityTest.ndcg10},
                                               {"hr10_popularity", trained.popularityTest.hr10},
                                               {"epochs", trained.epochsRun},
                                               {"timings_s", {{"train", trained.trainSeconds},
                                                              {"evaluate", trained.evalSeconds},
                                                              {"total", trained.totalSeconds}}}};
            writeJsonFile((fs::path(outDir_) / "train-sasrec.json").string(), sasrecJson);
            summary_["sasrec"] = sasrecJson;
            context.checkCancelled();

            sae::RecSaeOptions options;
            options.projectPath = project;
            options.modelPath = sasrecPath;
            options.interactionsPath = files.sasrec;
            options.itemMetaPath = files.itemMeta;
            options.sae.epochs = 10;
            sae::RecSaeJob recsae(options);
            recsae.run(context);
            writeJsonFile((fs::path(outDir_) / "recsae.json").string(), recsae.summary());
            summary_["recsae"] = {{"run_id", recsae.runId()}, {"json", (fs::path(outDir_) / "recsae.json").string()}};
        }

        // 4. The project is complete: move it into place (replacing an older demo), then report.
        {
            // Mark the project as the demo's. The jobs have closed their connections, so SQLite has
            // folded the WAL into the main file and closing this one does so again: the rename below
            // moves one self-contained file. An older demo's -wal/-shm are removed first, since a
            // stale WAL beside the new file would be replayed into it.
            auto store = store::ProjectStore::open(project);
            store->setSetting("demo", "1");
        }
        for (auto suffix : {"-wal", "-shm"}) fs::remove(finalProject + suffix);
        fs::rename(project, finalProject);
        for (auto suffix : {"-wal", "-shm"}) fs::remove(project + suffix);
        summary_["project"] = finalProject;

        context.report("report", 0.0, "writing the report");
        auto store = store::ProjectStore::open(finalProject, /*readOnly=*/true);
        const std::string reportDir = (fs::path(outDir_) / "report").string();
        report::ensureDirectory(reportDir);
        report::ReportOptions reportOptions;
        report::writeFileAtomically((fs::path(reportDir) / "report.html").string(),
                                    report::renderHtmlReport(*store, reportOptions));
        summary_["report"] = (fs::path(reportDir) / "report.html").string();
#ifdef CS_HAVE_REPORT_PDF
        reportOptions.flavor = report::ReportFlavor::Print;
        reportpdf::writePdf(report::renderHtmlReport(*store, reportOptions),
                            (fs::path(reportDir) / "report.pdf").string());
        summary_["report_pdf"] = (fs::path(reportDir) / "report.pdf").string();
#endif
        summary_["total_seconds"] = secondsSince(t0);
        context.report("report", 1.0, "done");
    }

private:
    std::string outDir_, cacheDir_;
    int64_t craftImages_;
    bool skipRecsae_;
    nlohmann::json& summary_;
};

class DemoCommand : public Command {
public:
    std::string name() const override { return "demo"; }
    std::string description() const override {
        return "Run the embedded demo: both demo analyses into DIR/demo.cstudio and a report";
    }
    void setup(CLI::App& sub) override {
        sub.add_option("--out", out_, "Output folder (created if missing)")->required();
        sub.add_option("--cache", cache_, "Where the trained demo CNN is cached (default: ~/.cache/concept-studio/demo)");
        sub.add_option("--craft-images", craftImages_, "Sneaker test images analysed by CRAFT")
            ->check(CLI::Range(1, 1000));
        sub.add_flag("--skip-recsae", skipRecsae_, "Only the vision demo (faster)");
    }
    int run() override {
        nlohmann::json summary;
        const auto outcome = runJobWithProgress(std::make_unique<DemoJob>(
            out_, cache_.empty() ? defaultCacheDir() : cache_, craftImages_, skipRecsae_, summary));
        if (outcome.state != jobs::JobState::Done) return exitCodeFor(outcome);
        writeJsonFile((fs::path(out_) / "demo-summary.json").string(), summary);
        std::cout << summary.dump(2) << "\n";
        std::cout << "Open it in the studio: concept-studio " << summary.value("project", std::string()) << "\n";
        return 0;
    }

private:
    std::string out_, cache_;
    int64_t craftImages_ = 100;
    bool skipRecsae_ = false;
};

CommandRegistrar<DemoCommand> registrar;

}  // namespace
}  // namespace cs::cli
