#include "demo/demo_pipeline.h"

#include "common/output_file.h"
#include "cs/build_info.h"
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

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <utility>
#include <vector>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

namespace cs::demo {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kSummaryFile = "demo-summary.json";

double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The JSON files beside the project, written the way `--json` outputs are (indented, one final newline).
void writeJson(const std::string& path, const json& value) { writeOutputFile(path, value.dump(2) + "\n"); }

struct DemoPaths {
    std::string outDir;
    std::string project;       // assembled here...
    std::string finalProject;  // ...and renamed to this when complete

    std::string file(const std::string& name) const { return (fs::path(outDir) / name).string(); }
};

// The demo's steps each report progress from 0 to 1; the user sees one bar for the whole demo
// (and the CLI's estimate of the time left), each step filling its share of it. The shares are
// the steps' measured times on a 2-core machine; the bar never moves back within a step.
class DemoProgress {
public:
    DemoProgress(jobs::JobContext& demo, bool trainsVisionModel, bool runsRecsae) : demo_(demo) {
        shares_ = {{"vision-model", trainsVisionModel ? 90.0 : 1.0},
                   {"craft", 20.0},
                   {"sasrec", runsRecsae ? 30.0 : 0.0},
                   {"recsae", runsRecsae ? 10.0 : 0.0},
                   {"report", 3.0}};
        for (const auto& [name, share] : shares_) total_ += share;
    }
    // A context for one step, whose fractions land in that step's share of the whole.
    jobs::JobContext step(const std::string& name) {
        double from = 0.0;
        for (const auto& [stepName, share] : shares_) {
            if (stepName == name) {
                const double begin = from / total_, width = share / total_;
                auto highest = std::make_shared<double>(0.0);
                return jobs::JobContext(demo_.token(), [this, begin, width, highest](const jobs::Progress& p) {
                    *highest = std::max(*highest, std::clamp(p.fraction, 0.0, 1.0));
                    demo_.report(p.stage, begin + width * *highest, p.message);
                });
            }
            from += share;
        }
        throw std::logic_error("unknown demo step " + name);
    }

private:
    jobs::JobContext& demo_;
    std::vector<std::pair<std::string, double>> shares_;
    double total_ = 0.0;
};

DemoPaths preparePaths(const std::string& outDir) {
    fs::create_directories(outDir);
    DemoPaths paths;
    paths.outDir = outDir;
    paths.finalProject = paths.file("demo.cstudio");
    paths.project = paths.finalProject + ".partial";
    for (auto suffix : {"", "-wal", "-shm"}) fs::remove(paths.project + suffix);  // an interrupted earlier demo
    return paths;
}

void tellVisionModel(const DemoOptions& options, const std::string& modelPath, const DemoVisionModel& vision) {
    if (!options.note) return;
    std::ostringstream line;
    line << "demo: vision model " << modelPath << " (test accuracy " << vision.testAccuracy * 100.0
         << "%, trained in " << vision.trainSeconds << " s" << (vision.fromCache ? ", cached" : "") << ")";
    options.note(line.str());
}

// 1. The demo CNN, trained or from the cache, copied beside the project so the project's
// model path stays valid when the cache is cleared. Returns the copy's path.
std::string prepareVisionModel(const DemoOptions& options, const DemoPaths& paths, jobs::JobContext& context,
                               std::string& testImagesPath, json& summary) {
    auto forward = [&](const jobs::Progress& p) { context.report(p.stage, p.fraction, p.message); };
    const std::string cacheDir = options.cacheDir.empty() ? defaultDemoCacheDir() : options.cacheDir;
    const DemoVisionModel vision = ensureDemoVisionModel(cacheDir, forward, context.token());
    const std::string modelPath = (fs::path(paths.outDir) / "models" / "demo-cnn.pt").string();
    fs::create_directories(fs::path(modelPath).parent_path());
    fs::copy_file(vision.path, modelPath, fs::copy_options::overwrite_existing);
    summary["vision_model"] = {{"path", modelPath},
                               {"test_accuracy", vision.testAccuracy},
                               {"train_seconds", vision.trainSeconds},
                               {"epochs", vision.epochs},
                               {"from_cache", vision.fromCache}};
    tellVisionModel(options, modelPath, vision);
    testImagesPath = vision.testImagesPath;
    return modelPath;
}

// 2. CRAFT with a concept tree. 28×28 inputs: patch 10, stride 8 → 9 crops per image.
void runCraftDemo(const DemoOptions& options, const DemoPaths& paths, const std::string& modelPath,
                  const std::string& testImagesPath, jobs::JobContext& context, json& summary) {
    store::ProjectStore::create(paths.project).reset();
    craft::CraftJobSpec spec;
    spec.projectPath = paths.project;
    spec.modelPath = modelPath;
    spec.imagesPath = testImagesPath;
    spec.classSpec = "Sneaker";
    spec.maxImages = options.craftImages;
    spec.options.layer = "block3";
    spec.options.recursiveLayers = {"block2"};
    spec.options.patchSize = 10;
    spec.options.concepts = 10;
    auto craftOutput = std::make_shared<craft::CraftJobOutput>();
    craft::CraftJob(spec, craftOutput).run(context);
    writeJson(paths.file("craft.json"), craftOutput->summary);
    summary["craft"] = {{"run_id", craftOutput->runId}, {"json", paths.file("craft.json")}};
}

// 3a. Data with planted tags and SASRec trained on it. The size and seed are the ones
// tests/core/sae/recsae_pipeline_test.cpp holds to the quality bar (FVU, dead latents, NDCG,
// planted tags recovered), so the demo shows what is tested.
sae::DemoDataFiles trainDemoSasRec(const DemoPaths& paths, const std::string& sasrecPath, jobs::JobContext& context,
                                   json& summary) {
    sae::DemoDataOptions dataOptions;
    dataOptions.numItems = 500;
    dataOptions.numTags = 16;
    dataOptions.numUsers = 1000;
    dataOptions.minLength = 20;
    dataOptions.maxLength = 30;
    const sae::DemoDataFiles files = sae::generateDemoData(paths.file("recsys"), /*seed=*/7, dataOptions);
    const data::InteractionLog log = data::loadInteractions(files.sasrec);
    sae::SasRecConfig sasrecConfig;
    sasrecConfig.epochs = 12;
    const sae::SasRecResult trained = sae::trainSasRec(log, sasrecPath, sasrecConfig, &context);
    const json sasrecJson = {{"ndcg10", trained.test.ndcg10},
                             {"hr10", trained.test.hr10},
                             {"ndcg10_popularity", trained.popularityTest.ndcg10},
                             {"hr10_popularity", trained.popularityTest.hr10},
                             {"epochs", trained.epochsRun},
                             {"timings_s", {{"train", trained.trainSeconds},
                                            {"evaluate", trained.evalSeconds},
                                            {"total", trained.totalSeconds}}}};
    writeJson(paths.file("train-sasrec.json"), sasrecJson);
    summary["sasrec"] = sasrecJson;
    return files;
}

// 3b. RecSAE on the demo SASRec, into the same project.
void runDemoRecSae(const DemoPaths& paths, const std::string& sasrecPath, const sae::DemoDataFiles& files,
                   jobs::JobContext& context, json& summary) {
    sae::RecSaeOptions options;
    options.projectPath = paths.project;
    options.modelPath = sasrecPath;
    options.interactionsPath = files.sasrec;
    options.itemMetaPath = files.itemMeta;
    options.sae.epochs = 10;
    sae::RecSaeJob recsae(options);
    recsae.run(context);
    writeJson(paths.file("recsae.json"), recsae.summary());
    summary["recsae"] = {{"run_id", recsae.runId()}, {"json", paths.file("recsae.json")}};
}

// What decides the demo's results: a finished demo made with the same recipe is reused by the
// next `demo` instead of being recomputed (the CNN has its own cache keyed by its own recipe).
std::string demoRecipe(const DemoOptions& options) {
    return std::string("studio=") + CS_VERSION_STRING + " craft_images=" + std::to_string(options.craftImages) +
           " recsae=" + (options.skipRecsae ? "no" : "yes") + " pdf=" + (options.writePdf ? "yes" : "no");
}

// The summary of a finished demo in DIR made with this recipe, or nothing when anything it
// lists is missing, the project does not open, or a run in it is not done.
std::optional<json> finishedDemo(const DemoOptions& options, const DemoPaths& paths) {
    std::error_code ec;
    const std::string summaryPath = paths.file(kSummaryFile);
    if (!fs::is_regular_file(summaryPath, ec) || !fs::is_regular_file(paths.finalProject, ec)) return std::nullopt;
    try {
        std::ifstream in(summaryPath);
        json summary = json::parse(in);
        auto store = store::ProjectStore::open(paths.finalProject, /*readOnly=*/true);
        if (store->setting("demo_recipe").value_or("") != demoRecipe(options)) return std::nullopt;
        for (const auto& run : store->runs())
            if (run.status != store::RunStatus::Done) return std::nullopt;
        for (const char* key : {"report", "report_pdf"})
            if (summary.contains(key) && !fs::is_regular_file(summary[key].get<std::string>(), ec)) return std::nullopt;
        for (const char* key : {"craft", "recsae"})
            if (summary.contains(key) && !fs::is_regular_file(summary[key].value("json", std::string()), ec))
                return std::nullopt;
        return summary;
    } catch (const std::exception&) {
        return std::nullopt;  // unreadable or from another version: made anew
    }
}

// 4a. Marks the project as the demo's and moves it into place, replacing an older demo.
void moveProjectIntoPlace(const DemoOptions& options, const DemoPaths& paths) {
    {
        // The jobs have closed their connections, so SQLite has folded the WAL into the main
        // file and closing this one does so again: the rename below moves one self-contained
        // file. An older demo's -wal/-shm are removed first, since a stale WAL beside the new
        // file would be replayed into it.
        auto store = store::ProjectStore::open(paths.project);
        store->setSetting("demo", "1");
        store->setSetting("demo_recipe", demoRecipe(options));
    }
    for (auto suffix : {"-wal", "-shm"}) fs::remove(paths.finalProject + suffix);
    fs::rename(paths.project, paths.finalProject);
    for (auto suffix : {"-wal", "-shm"}) fs::remove(paths.project + suffix);
}

// 4b. DIR/report/report.html, and report.pdf from the Print flavour when a PDF writer is given.
void writeReports(const DemoOptions& options, const DemoPaths& paths, jobs::JobContext& context, json& summary) {
    context.report("report", 0.0, "writing the report");
    auto store = store::ProjectStore::open(paths.finalProject, /*readOnly=*/true);
    const std::string reportDir = paths.file("report");
    report::ensureDirectory(reportDir);
    report::ReportOptions reportOptions;
    writeOutputFile((fs::path(reportDir) / "report.html").string(),
                                report::renderHtmlReport(*store, reportOptions));
    summary["report"] = (fs::path(reportDir) / "report.html").string();
    if (options.writePdf) {
        reportOptions.flavor = report::ReportFlavor::Print;
        options.writePdf(report::renderHtmlReport(*store, reportOptions), (fs::path(reportDir) / "report.pdf").string());
        summary["report_pdf"] = (fs::path(reportDir) / "report.pdf").string();
    }
}

}  // namespace

std::string defaultDemoCacheDir() {
    if (const char* dir = std::getenv("CS_DEMO_CACHE"); dir && *dir) return dir;
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/concept-studio/demo";
    if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/concept-studio/demo";
    return fs::temp_directory_path().string() + "/concept-studio-demo-cache";
}

json runDemoPipeline(const DemoOptions& options, jobs::JobContext& context) {
    model::configureTorchThreads();
    const auto t0 = std::chrono::steady_clock::now();
    const DemoPaths paths = preparePaths(options.outDir);
    if (!options.fresh) {
        if (auto finished = finishedDemo(options, paths)) {
            if (options.note)
                options.note("demo: " + paths.finalProject + " is up to date; reusing it (--fresh recomputes)");
            (*finished)["reused"] = true;
            return *finished;
        }
    }
    json summary;
    std::string testImagesPath;
    const std::string cacheDir = options.cacheDir.empty() ? defaultDemoCacheDir() : options.cacheDir;
    DemoProgress progress(context, !demoVisionModelCached(cacheDir), !options.skipRecsae);
    auto visionContext = progress.step("vision-model");
    const std::string modelPath = prepareVisionModel(options, paths, visionContext, testImagesPath, summary);
    context.checkCancelled();
    auto craftContext = progress.step("craft");
    runCraftDemo(options, paths, modelPath, testImagesPath, craftContext, summary);
    context.checkCancelled();
    if (!options.skipRecsae) {
        const std::string sasrecPath = (fs::path(paths.file("recsys")) / "sasrec.pt").string();
        auto sasrecContext = progress.step("sasrec");
        const sae::DemoDataFiles files = trainDemoSasRec(paths, sasrecPath, sasrecContext, summary);
        context.checkCancelled();
        auto recsaeContext = progress.step("recsae");
        runDemoRecSae(paths, sasrecPath, files, recsaeContext, summary);
    }
    moveProjectIntoPlace(options, paths);
    summary["project"] = paths.finalProject;
    auto reportContext = progress.step("report");
    writeReports(options, paths, reportContext, summary);
    summary["total_seconds"] = secondsSince(t0);
    summary["reused"] = false;
    writeJson(paths.file(kSummaryFile), summary);
    context.report("report", 1.0, "done");
    return summary;
}

}  // namespace cs::demo
