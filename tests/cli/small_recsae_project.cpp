#include "small_recsae_project.h"

#include "data/interactions.h"
#include "jobs/job.h"
#include "sae/demo_data.h"
#include "sae/recsae_job.h"
#include "sae/sasrec.h"

#include <filesystem>

namespace cs::testing {

SmallRecSaeProject buildSmallRecSaeProject(const std::string& dir) {
    namespace fs = std::filesystem;
    fs::remove_all(dir);
    fs::create_directories(dir);
    sae::DemoDataOptions demo;
    demo.numItems = 120;
    demo.numTags = 6;
    demo.numUsers = 240;
    demo.minLength = 10;
    demo.maxLength = 16;
    const auto files = sae::generateDemoData(dir, 3, demo);

    SmallRecSaeProject out;
    out.interactions = files.sasrec;
    out.itemMeta = files.itemMeta;
    out.model = dir + "/sasrec.pt";
    sae::SasRecConfig config;
    config.hidden = 16;
    config.blocks = 1;
    config.maxLength = 16;
    config.epochs = 3;
    sae::trainSasRec(data::loadInteractions(files.sasrec), out.model, config);

    sae::RecSaeOptions options;
    out.project = dir + "/small.cstudio";
    options.projectPath = out.project;
    options.modelPath = out.model;
    options.interactionsPath = out.interactions;
    options.itemMetaPath = out.itemMeta;
    options.sae.expansion = 4;
    options.sae.k = 4;
    options.sae.epochs = 3;
    options.ablatedLatents = 2;
    options.hierarchyLeaves = 32;
    sae::RecSaeJob job(options);
    jobs::JobContext context(std::make_shared<jobs::CancelToken>(), [](const jobs::Progress&) {});
    job.run(context);
    out.runId = job.runId();
    out.latents = job.summary().value("n_latents", int64_t(0));
    return out;
}

}  // namespace cs::testing
