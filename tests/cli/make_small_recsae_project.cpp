// make_small_recsae_project DIR: builds the small RecSAE project of small_recsae_project.h and
// prints {project, run_id, latents, model, interactions, item_meta} as one JSON line. The GUI
// tests run it as a subprocess, since the GUI process cannot link LibTorch.
#include "small_recsae_project.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_small_recsae_project DIR\n");
        return 2;
    }
    try {
        const auto p = cs::testing::buildSmallRecSaeProject(argv[1]);
        const nlohmann::json out = {{"project", p.project}, {"run_id", p.runId},          {"latents", p.latents},
                                    {"model", p.model},     {"interactions", p.interactions}, {"item_meta", p.itemMeta}};
        std::printf("%s\n", out.dump().c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "make_small_recsae_project: %s\n", e.what());
        return 1;
    }
}
