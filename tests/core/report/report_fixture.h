#pragma once
// Builds a project filled through ProjectStore with synthetic CRAFT and RecSAE runs, so the
// report and export tests need neither engine. User-visible strings carry markup on purpose
// (a class name, a concept label, a tag and an item title hold <script>) to test escaping.
#include "common/tensor_blob.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cs::report::testing {

inline const char* kHostileClass = "<script>alert('class')</script>";
inline const char* kHostileTitle = "<script>alert('title')</script>";
inline const char* kHostileTag = "<script>alert('tag')</script>";
inline const char* kHostileLabel = "<img src=x onerror=alert(1)>";

struct SyntheticProject {
    std::string path;
    std::string imageDir;
    int64_t craftRunId = 0, saeRunId = 0, failedRunId = 0;
    std::vector<int64_t> conceptIds;   // top-level, index order
    TensorBlob conceptVectors;         // W: 4 × 8, rows in index order
    TensorBlob coefficients;           // U: 13 × 4, crop order (the last crop's source is missing)
    TensorBlob encoderWeights;         // SAE W_enc: 24 × 6
    std::string heatmapPng;            // bytes of the first stored heatmap
    std::string modelSha256;
};

// Creates `dir`/project.cstudio (removing an old one) and source images in `dir`/images.
SyntheticProject buildSyntheticProject(const std::string& dir);

// Small PNG of w×h with a gradient and a coloured square (OpenCV).
std::string makePng(int w, int h, int seed);

}  // namespace cs::report::testing
