// MaCo bench: one feature visualisation of a concept direction at a resnet18 probe point (random
// weights, exported by bench/craft/export_resnet18_split.py), 256 steps at 224 px by default, timed;
// and, as the baseline measured in the same run, the same number of bare forward + backward passes of
// g on batches of crops, which is the floor of any implementation of the method on this model. Prints
// both and their ratio (the parametrisation, crops and optimiser's share).
// Usage: maco_bench [--steps 256] [--size 224] [--crops 16] [--layer layer4] [--work DIR]
#include "maco/maco.h"

#include "model/model_loader.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

int main(int argc, char** argv) {
    cs::maco::MacoOptions options;
    std::string layer = "layer4";
    fs::path work = fs::temp_directory_path() / "maco_bench";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--steps" && i + 1 < argc) options.steps = std::stoi(argv[++i]);
        else if (a == "--size" && i + 1 < argc) options.size = std::stoll(argv[++i]);
        else if (a == "--crops" && i + 1 < argc) options.crops = std::stoi(argv[++i]);
        else if (a == "--layer" && i + 1 < argc) layer = argv[++i];
        else if (a == "--work" && i + 1 < argc) work = argv[++i];
        else {
            std::cerr << "usage: maco_bench [--steps N] [--size S] [--crops K] [--layer layer2|layer3|layer4] [--work DIR]\n";
            return 2;
        }
    }
    fs::create_directories(work);
    const fs::path modelFile = work / "resnet18_split.pt";
    if (!fs::exists(modelFile)) {
        const std::string command = std::string("/usr/bin/python3 ") + CS_CRAFT_BENCH_DIR + "/export_resnet18_split.py " + modelFile.string() + " 0";
        if (std::system(command.c_str()) != 0) throw std::runtime_error("command failed: " + command);
    }
    cs::model::configureTorchThreads();
    auto model = cs::model::loadVisionModel(modelFile.string());

    // Natural-looking statistics from smooth random images (the bench needs no dataset).
    torch::manual_seed(0);
    const at::Tensor images = torch::nn::functional::interpolate(
        torch::rand({16, 3, 14, 14}),
        torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{options.size, options.size}).mode(torch::kBilinear).align_corners(false));
    const cs::maco::NaturalImageStatistics statistics = cs::maco::naturalImageStatistics(images, options.size);
    torch::NoGradGuard noGrad;
    const int64_t channels = model->activations(torch::zeros({1, 3, 224, 224}), layer).size(1);
    const at::Tensor direction = torch::rand({channels});
    const std::vector<float> vector(direction.data_ptr<float>(), direction.data_ptr<float>() + channels);

    auto start = Clock::now();
    const cs::maco::MacoImage picture = cs::maco::visualizeDirection(*model, layer, vector, statistics, options);
    const double macoSeconds = seconds(start);

    // Baseline: the same passes of g alone, on fixed crops.
    start = Clock::now();
    for (int step = 0; step < options.steps; ++step) {
        torch::AutoGradMode enable(true);
        const at::Tensor x = torch::rand({options.crops, 3, 224, 224}).requires_grad_(true);
        const at::Tensor objective = model->activations(x, layer).mean();
        torch::autograd::grad({objective}, {x});
    }
    const double bareSeconds = seconds(start);

    std::printf("MaCo on resnet18 at %s: %d steps, %lld px image, %d crops of 224 px per step, %d threads\n", layer.c_str(), options.steps,
                static_cast<long long>(options.size), options.crops, torch::get_num_threads());
    std::printf("  studio MaCo      %8.2f s (%.3f s/step), objective %.4g -> %.4g\n", macoSeconds, macoSeconds / options.steps,
                picture.objective.front(), picture.objective.back());
    std::printf("  g forward+backward alone %8.2f s\n", bareSeconds);
    std::printf("  ratio MaCo / bare g: %.2f\n", macoSeconds / bareSeconds);
    return 0;
}
