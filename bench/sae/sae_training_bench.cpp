// SAE training speed: the studio's TopK SAE (sparse hand-written gradients, LibTorch) against
// a PyTorch TopK SAE with dense latents and autograd (reference_topk_sae.py), on the same
// states, with the same hyper-parameters and thread count, in the same run. Prints samples/s
// of each, their ratio, and both final FVUs (the comparison is only fair at equal FVU).
//
// usage: bench_sae_training [--states FILE.f32 --n N --d D] [--epochs 5] [--threads 2]
// Without --states, uses 60000 synthetic 64-d states built from 200 sparse planted directions.
#include "sae/topk_sae.h"

#include <torch/torch.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

int main(int argc, char** argv) {
    std::string statesPath;
    int64_t n = 60000, d = 64;
    int epochs = 5, threads = 2;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--states") statesPath = argv[i + 1];
        else if (a == "--n") n = std::stoll(argv[i + 1]);
        else if (a == "--d") d = std::stoll(argv[i + 1]);
        else if (a == "--epochs") epochs = std::stoi(argv[i + 1]);
        else if (a == "--threads") threads = std::stoi(argv[i + 1]);
    }
    torch::set_num_threads(threads);
    torch::Tensor states;
    if (statesPath.empty()) {
        torch::manual_seed(0);
        auto dirs = torch::randn({200, d});
        auto codes = torch::zeros({n, 200});
        codes.scatter_(1, torch::randint(0, 200, {n, 6}), torch::rand({n, 6}) + 0.5);
        states = torch::mm(codes, dirs) + 0.05 * torch::randn({n, d});
        statesPath = std::string(CS_BENCH_TMP) + "/sae_bench_states.f32";
        std::ofstream out(statesPath, std::ios::binary);
        out.write(reinterpret_cast<const char*>(states.data_ptr<float>()), states.numel() * sizeof(float));
    } else {
        std::ifstream in(statesPath, std::ios::binary);
        states = torch::empty({n, d});
        in.read(reinterpret_cast<char*>(states.data_ptr<float>()), states.numel() * sizeof(float));
        if (!in) {
            std::fprintf(stderr, "%s: cannot read %lld x %lld float32\n", statesPath.c_str(), (long long)n, (long long)d);
            return 1;
        }
    }
    cs::sae::SaeConfig config;  // RecSAE defaults: expansion 32, k 32, lr 5e-4, batch 256
    config.epochs = epochs;
    cs::sae::TopKSae sae(d, config);
    auto stats = sae.train(states);
    const double oursFvu = sae.fvu(states);

    const std::string cmd = std::string(CS_PYTHON) + " " + CS_BENCH_SCRIPT + " " + statesPath + " " + std::to_string(n) +
                            " " + std::to_string(d) + " " + std::to_string(config.expansion) + " " +
                            std::to_string(config.k) + " " + std::to_string(epochs) + " " +
                            std::to_string(config.batchSize) + " " + std::to_string(config.learningRate) + " " +
                            std::to_string(threads) + " 0";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
    std::string output;
    std::array<char, 4096> buf{};
    while (pipe && fgets(buf.data(), buf.size(), pipe.get())) output += buf.data();
    auto ref = nlohmann::json::parse(output, nullptr, false);
    if (ref.is_discarded()) {
        std::fprintf(stderr, "reference failed: %s\n", output.c_str());
        return 1;
    }
    const double refRate = ref["samples_per_second"].get<double>();
    std::printf("SAE training, %lld states x %lld, %lld latents, k %lld, %d epochs, %d threads\n", (long long)n,
                (long long)d, (long long)sae.latents(), (long long)sae.k(), epochs, threads);
    std::printf("  concept-studio (sparse gradients): %10.0f samples/s  FVU %.4f\n", stats.samplesPerSecond(), oursFvu);
    std::printf("  PyTorch reference (dense autograd): %10.0f samples/s  FVU %.4f\n", refRate, ref["fvu"].get<double>());
    std::printf("  speed ratio: %.2fx\n", stats.samplesPerSecond() / refRate);
    return 0;
}
