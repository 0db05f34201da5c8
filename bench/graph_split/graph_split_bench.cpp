// bench_graph_split: g and h of resnet18 split by graph surgery (any model, no wrapper) against
// the hand-written split wrapper (the split convention), same weights, same run, same load-time
// treatment (frozen, inference-optimised). Prints per layer the best-of-N time of each and the
// ratio graph / wrapper; the target is <= 1.05 (docs/models.md).
//
// Usage: bench_graph_split [--work DIR] [--repeat N] [--batch B] [--no-optimize]
// --no-optimize loads both frozen but without the inference optimisation (oneDNN layouts, fusions),
// to tell the two load-time steps' shares apart.
#include "model/model_loader.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>

namespace fs = std::filesystem;

namespace {

double bestSeconds(const std::function<void()>& work, int repeat) {
    work();  // warm-up: the graph executor profiles and optimises on the first calls
    work();
    double best = 1e30;
    for (int i = 0; i < repeat; ++i) {
        const auto start = std::chrono::steady_clock::now();
        work();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    fs::path work = fs::temp_directory_path() / "graph_split_bench";
    int repeat = 5;
    int64_t batch = 32;
    bool optimize = true;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--work" && i + 1 < argc) work = argv[++i];
        else if (a == "--repeat" && i + 1 < argc) repeat = std::max(1, std::atoi(argv[++i]));
        else if (a == "--batch" && i + 1 < argc) batch = std::max<int64_t>(1, std::atoll(argv[++i]));
        else if (a == "--no-optimize") optimize = false;
        else {
            std::cerr << "usage: bench_graph_split [--work DIR] [--repeat N] [--batch B] [--no-optimize]\n";
            return 2;
        }
    }
    fs::create_directories(work);
    const fs::path plain = work / "resnet18_plain.pt", wrapper = work / "resnet18_wrapper.pt";
    const std::string command = std::string(CS_PYTHON) + " " + CS_BENCH_DIR + "/export_resnet18_both.py " + plain.string() + " " +
                                wrapper.string();
    std::cerr << "+ " << command << "\n";
    if (std::system(command.c_str()) != 0) return 1;

    cs::model::configureTorchThreads();
    const std::vector<std::string> layers{"layer2", "layer3", "layer4"};
    cs::model::LoadOptions wrapperOptions, graphOptions;
    const std::string optimization = optimize ? "true" : "false";
    wrapperOptions.optionsJson = R"({"freeze": true, "optimize_for_inference": )" + optimization + "}";
    graphOptions.adapter = "torchscript-graph";
    graphOptions.optionsJson = R"({"freeze": true, "optimize_for_inference": )" + optimization + R"(, "layers": ["layer2", "layer3", "layer4"]})";
    auto byWrapper = cs::model::loadVisionModel(wrapper.string(), wrapperOptions);
    auto byGraph = cs::model::loadVisionModel(plain.string(), graphOptions);

    torch::InferenceMode inference;
    const at::Tensor x = torch::sin(torch::arange(batch * 3 * 224 * 224, torch::kFloat32) * 0.37f).view({batch, 3, 224, 224});
    std::cout << "resnet18, batch " << batch << ", 224×224, " << torch::get_num_threads() << " threads, best of " << repeat
              << (optimize ? ", frozen and inference-optimised" : ", frozen, not inference-optimised") << "\n";
    std::cout << std::left << std::setw(8) << "layer" << std::setw(6) << "part" << std::right << std::setw(12) << "wrapper s"
              << std::setw(12) << "graph s" << std::setw(14) << "graph/wrapper" << std::setw(14) << "max |diff|" << "\n";
    for (const auto& layer : layers) {
        const at::Tensor aWrapper = byWrapper->activations(x, layer), aGraph = byGraph->activations(x, layer);
        const double gDiff = (aWrapper - aGraph).abs().max().item<double>();
        const double hDiff = (byWrapper->logitsFrom(aWrapper, layer) - byGraph->logitsFrom(aWrapper, layer)).abs().max().item<double>();
        // Alternate which goes first, so neither always runs on a warmer cache.
        const double gWrapper = bestSeconds([&] { byWrapper->activations(x, layer); }, repeat);
        const double gGraph = bestSeconds([&] { byGraph->activations(x, layer); }, repeat);
        const double hGraph = bestSeconds([&] { byGraph->logitsFrom(aWrapper, layer); }, repeat);
        const double hWrapper = bestSeconds([&] { byWrapper->logitsFrom(aWrapper, layer); }, repeat);
        auto row = [&](const char* part, double w, double g, double diff) {
            std::cout << std::left << std::setw(8) << layer << std::setw(6) << part << std::right << std::fixed << std::setprecision(4)
                      << std::setw(12) << w << std::setw(12) << g << std::setprecision(3) << std::setw(14) << g / w << std::scientific
                      << std::setprecision(1) << std::setw(14) << diff << std::defaultfloat << "\n";
        };
        row("g", gWrapper, gGraph, gDiff);
        row("h", hWrapper, hGraph, hDiff);
    }
    return 0;
}
