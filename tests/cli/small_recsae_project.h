#pragma once
// A small RecSAE project for the CLI and GUI tests: demo recommender data with planted tags, a
// tiny SASRec trained for a few epochs and a RecSAE run stored in DIR/small.cstudio. Seconds on
// 2 cores; the quality bar is the pipeline test's business, here only the plumbing matters.
#include <cstdint>
#include <string>

namespace cs::testing {

struct SmallRecSaeProject {
    std::string project, model, interactions, itemMeta;
    int64_t runId = 0;
    int64_t latents = 0;
};

// Builds everything under dir (emptied first). Throws cs::Error on failure.
SmallRecSaeProject buildSmallRecSaeProject(const std::string& dir);

}  // namespace cs::testing
