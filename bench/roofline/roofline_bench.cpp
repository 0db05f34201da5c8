// Roofline of CRAFT's g (the model's forward up to the probe layer): how close g comes to the
// machine's peak, both measured in the same run and at the studio's thread count.
//   peak: the faster of a float32 torch::mm (size²) and a 3×3 convolution (batch 64, 128→128
//         channels, 56×56, padding 1), best of a few repeats after a warm-up; bfloat16 likewise.
//   g:    torchvision resnet18, resnet50 (to layer4) and mobilenet_v2 (features), random init,
//         exported by export_g.py with an analytic FLOP count (convolutions and linears), loaded
//         with torch::jit::load, frozen, and frozen + optimize_for_inference; batches 64 and 32.
// Usage: bench_roofline [--work DIR] [--repeat R] [--models resnet18,resnet50,mobilenet_v2]
#include "model/model_loader.h"

#include <nlohmann/json.hpp>
#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Best wall time of `repeat` calls after `warmup` untimed ones.
double bestSeconds(const std::function<void()>& f, int warmup, int repeat) {
    for (int i = 0; i < warmup; ++i) f();
    double best = 1e30;
    for (int i = 0; i < repeat; ++i) {
        const auto start = Clock::now();
        f();
        best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
    }
    return best;
}

double mmGflops(int64_t n, at::ScalarType type, int repeat) {
    torch::InferenceMode inference;
    at::Tensor a = torch::randn({n, n}).to(type), b = torch::randn({n, n}).to(type);
    const double s = bestSeconds([&] { torch::mm(a, b); }, 1, repeat);
    return 2.0 * n * n * static_cast<double>(n) / s / 1e9;
}

double convGflops(int64_t batch, at::ScalarType type, int repeat) {
    torch::InferenceMode inference;
    const int64_t c = 128, hw = 56;
    at::Tensor x = torch::randn({batch, c, hw, hw}).to(type), w = torch::randn({c, c, 3, 3}).to(type);
    const double s = bestSeconds([&] { torch::conv2d(x, w, {}, 1, 1); }, 1, repeat);
    return 2.0 * 9 * c * c * hw * hw * static_cast<double>(batch) / s / 1e9;
}

void run(const std::string& command) {
    std::cerr << "+ " << command << "\n";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("command failed: " + command);
}

torch::jit::Module loadFrozen(const fs::path& file) {
    torch::jit::Module m = torch::jit::load(file.string());
    m.eval();
    return torch::jit::freeze(m);
}

}  // namespace

int main(int argc, char** argv) {
    fs::path work = fs::temp_directory_path() / "roofline_bench";
    int repeat = 3;
    std::string modelList = "resnet18,resnet50,mobilenet_v2";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--work" && i + 1 < argc) work = argv[++i];
        else if (a == "--repeat" && i + 1 < argc) repeat = std::max(1, std::atoi(argv[++i]));
        else if (a == "--models" && i + 1 < argc) modelList = argv[++i];
        else {
            std::cerr << "usage: bench_roofline [--work DIR] [--repeat R] [--models resnet18,resnet50,mobilenet_v2]\n";
            return 2;
        }
    }
    std::vector<std::string> models;
    {
        std::stringstream ss(modelList);
        for (std::string m; std::getline(ss, m, ',');)
            if (!m.empty()) models.push_back(m);
    }
    fs::create_directories(work);
    std::string missing;
    for (const auto& m : models)
        if (!fs::exists(work / (m + "_g.pt")) || !fs::exists(work / (m + "_g.json"))) missing += " " + m;
    if (!missing.empty()) run(std::string("/usr/bin/python3 ") + CS_BENCH_DIR + "/export_g.py " + work.string() + missing);

    cs::model::configureTorchThreads();
    std::printf("Roofline of g: LibTorch %s, %d intra-op threads\n\n", TORCH_VERSION, torch::get_num_threads());

    // Peak. bfloat16 convolution gets a smaller batch: without native bf16 units it can be an
    // order of magnitude slower, and GFLOP/s do not depend on the batch at this size.
    const int64_t mmSize = 2048;
    const double mm32 = mmGflops(mmSize, torch::kFloat32, repeat), conv32 = convGflops(64, torch::kFloat32, repeat);
    const double mm16 = mmGflops(mmSize, torch::kBFloat16, repeat), conv16 = convGflops(16, torch::kBFloat16, std::min(repeat, 2));
    const double peak = std::max(mm32, conv32), peak16 = std::max(mm16, conv16);
    std::printf("%-44s %10s %10s\n", "peak (GFLOP/s)", "float32", "bfloat16");
    std::printf("%-44s %10.1f %10.1f\n", "mm 2048x2048", mm32, mm16);
    std::printf("%-44s %10.1f %10.1f\n", "conv 3x3 128->128 56x56 (b64; bf16 b16)", conv32, conv16);
    std::printf("%-44s %10.1f %10.1f%s\n\n", "peak = faster of the two", peak, peak16,
                peak16 < peak ? "  (bfloat16 slower than float32)" : "");

    std::printf("%-13s %8s %5s %10s %7s %10s %7s %8s\n", "g", "GFLOP/im", "batch", "frozen", "%peak", "opt4inf", "%peak",
                "ms/im");
    for (const auto& name : models) {
        nlohmann::json meta = nlohmann::json::parse(std::ifstream(work / (name + "_g.json")));
        const double flopsPerImage = meta.at("flops_per_image").get<double>();
        const fs::path file = work / (name + "_g.pt");
        torch::jit::Module frozen = loadFrozen(file);
        torch::jit::Module optimised = loadFrozen(file);
        optimised = torch::jit::optimize_for_inference(optimised);
        for (int64_t batch : {64, 32}) {
            torch::InferenceMode inference;
            at::Tensor x = torch::randn({batch, 3, 224, 224});
            std::vector<torch::jit::IValue> in{x};
            // Two warm-ups: the profiling executor specialises the graph on the first calls.
            const double sFrozen = bestSeconds([&] { frozen.forward(in); }, 2, repeat);
            const double sOpt = bestSeconds([&] { optimised.forward(in); }, 2, repeat);
            const double total = flopsPerImage * batch / 1e9;
            const double gFrozen = total / sFrozen, gOpt = total / sOpt;
            std::printf("%-13s %8.3f %5lld %10.1f %6.1f%% %10.1f %6.1f%% %8.2f\n", name.c_str(), flopsPerImage / 1e9,
                        static_cast<long long>(batch), gFrozen, 100 * gFrozen / peak, gOpt, 100 * gOpt / peak,
                        1e3 * std::min(sFrozen, sOpt) / batch);
            std::fflush(stdout);
        }
    }
    std::printf("\nGFLOP/im counts convolutions and linears only (2 per multiply-add); %%peak is against the float32 peak above.\n");
    return 0;
}
