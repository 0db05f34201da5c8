#pragma once
// The demo vision model: a small CNN trained by the studio's own LibTorch code on the
// Fashion-MNIST training set (Debian package dataset-fashion-mnist), with a fixed seed, and
// saved as TorchScript in the vision split-module convention (docs/models.md) with the probe
// points block1 (16×14×14), block2 (32×7×7) and block3 (64×7×7) for recursive CRAFT.
// The trained model is cached: a second call returns the cached file in milliseconds.
#include "jobs/job.h"

#include <memory>
#include <string>
#include <vector>

namespace cs::demo {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// The ten Fashion-MNIST class names, by label.
const std::vector<std::string>& fashionMnistClassNames();

struct DemoVisionModelOptions {
    std::string cacheDir;                       // where the model (.pt) and its metadata (.json) live
    std::string datasetDir = kFashionMnistDir;  // train-/t10k-images-idx3-ubyte.gz and labels
    // One epoch reaches the demo's bar (>= 85% test accuracy) in about a minute on 2 cores;
    // the first two epochs of the earlier recipe added 1.5 points for four more minutes.
    int epochs = 1;
    int batchSize = 256;
    double learningRate = 2e-3;
    uint64_t seed = 0;
    bool forceRetrain = false;
    int64_t trainLimit = 0;  // use only the first N training images (tests); 0 = all 60,000
};

struct DemoVisionModel {
    std::string path;            // the TorchScript file
    std::string testImagesPath;  // t10k images (IDX) for analyses of the demo model
    double testAccuracy = 0.0;   // on the 10,000 test images
    double trainSeconds = 0.0;   // wall time of training (not of evaluation)
    int epochs = 0;
    int threads = 0;             // LibTorch intra-op threads used for training
    bool fromCache = false;
};

// Returns the cached demo model, or trains it (progress stage "train-demo-model", then
// "evaluate-demo-model"), saves it atomically and returns it. Throws cs::Error naming the file
// when the dataset is missing or broken, cs::Cancelled when cancel is set during training.
DemoVisionModel ensureDemoVisionModel(const DemoVisionModelOptions& options, const jobs::ProgressCallback& progress = {},
                                      std::shared_ptr<const jobs::CancelToken> cancel = {});

// Whether the cache folder holds a valid demo model of the default recipe (no training needed).
bool demoVisionModelCached(const std::string& cacheDir);

// Shorthand with default options.
DemoVisionModel ensureDemoVisionModel(const std::string& cacheDir, const jobs::ProgressCallback& progress = {},
                                      std::shared_ptr<const jobs::CancelToken> cancel = {});

}  // namespace cs::demo
