// Matrix-product throughput of the BLAS under LibTorch, against Debian's reference BLAS in the
// same run: the bench runs itself a second time with the reference libblas.so.3 first on the
// library path (when libblas3 is installed) and prints the ratio.
//   bench_blas [--size 2048] [--repeat 5]
#include "model/compute_backend.h"
#include "model/model_loader.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

// Best of `repeat` timed products of two size×size matrices, in GFLOP/s (2·n³ per product).
double matmulGflops(int64_t size, int repeat, at::ScalarType type) {
    torch::InferenceMode inference;
    at::Tensor a = torch::randn({size, size}).to(type), b = torch::randn({size, size}).to(type);
    torch::mm(a, b);  // warm-up: thread pool, packing buffers
    double best = 1e30;
    for (int i = 0; i < repeat; ++i) {
        const auto start = std::chrono::steady_clock::now();
        at::Tensor c = torch::mm(a, b);
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return 2.0 * size * size * static_cast<double>(size) / best / 1e9;
}

// GFLOP/s of the same product with the reference BLAS, from a child process; 0 when unavailable.
double referenceGflops(const char* self, int64_t size, int repeat) {
    const std::string referenceDir = "/usr/lib/x86_64-linux-gnu/blas";
    if (!std::filesystem::exists(referenceDir + "/libblas.so.3")) return 0.0;
    const std::string command = "LD_LIBRARY_PATH=" + referenceDir + " '" + self + "' --child --size " + std::to_string(size) +
                                " --repeat " + std::to_string(repeat);
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return 0.0;
    double gflops = 0.0;
    if (std::fscanf(pipe, "%lf", &gflops) != 1) gflops = 0.0;
    pclose(pipe);
    return gflops;
}

}  // namespace

int main(int argc, char** argv) {
    int64_t size = 2048;
    int repeat = 5;
    bool child = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--size" && i + 1 < argc) size = std::atoll(argv[++i]);
        else if (arg == "--repeat" && i + 1 < argc) repeat = std::atoi(argv[++i]);
        else if (arg == "--child") child = true;
    }
    cs::model::configureTorchThreads();
    if (child) {
        std::printf("%.3f\n", matmulGflops(size, repeat, torch::kFloat32));
        return 0;
    }
    const auto backend = cs::model::detectComputeBackend();
    std::printf("%s\nLibTorch %s, %d intra-op threads\n", backend.blasLine().c_str(), backend.torchVersion.c_str(), backend.torchThreads);
    const double float32 = matmulGflops(size, repeat, torch::kFloat32);
    const double bfloat16 = matmulGflops(size, repeat, torch::kBFloat16);
    const double reference = referenceGflops(argv[0], size, std::max(1, repeat / 2));
    std::printf("mm %lldx%lld float32:  %8.1f GFLOP/s\n", static_cast<long long>(size), static_cast<long long>(size), float32);
    std::printf("mm %lldx%lld bfloat16: %8.1f GFLOP/s (%.2fx float32)\n", static_cast<long long>(size), static_cast<long long>(size),
                bfloat16, bfloat16 / float32);
    if (reference > 0)
        std::printf("reference BLAS float32: %8.1f GFLOP/s; this BLAS / reference = %.1fx\n", reference, float32 / reference);
    else
        std::printf("reference BLAS not installed: no baseline\n");
    return 0;
}
