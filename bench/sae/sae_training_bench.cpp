// SAE training speed, per family: the studio's SAEs (TopK with sparse hand-written gradients;
// the other families through LibTorch autograd, core/sae) against PyTorch implementations of the
// same objectives with dense latents and autograd (reference_topk_sae.py,
// reference_sae_families.py), on the same states, with the same hyper-parameters and the same
// intra-op thread count, in the same run. Prints samples/s of each, their ratio, and both final
// FVUs and L0s (the comparison is only fair at equal FVU); exits 1 if the thread counts differ.
//
// States (one of):
//   (default)                 synthetic: --n states of --d dims from 200 sparse planted directions
//   --demo                    real SASRec user states: demo data (docs/recsae.md; the validated
//                             size unless --demo-items/--demo-users/--demo-max-len), SASRec trained
//                             with --sasrec-epochs (default 12, as the demo), the state of every
//                             prefix of every training sequence (what recsae trains on)
//   --model M --interactions F   the same from an existing recommender (any cs_model adapter,
//                             e.g. the sasrec.pt and interactions.txt `concept-studio-cli demo` writes)
//   --states FILE.npy         float32 N×D .npy written by an earlier run (or FILE.f32 with --n --d)
// The states are written once to a .npy file (--save-states, default in bench-tmp/) that the
// Python side reads with numpy.load, so both train on the same bytes.
//
// Other options: [--family topk|batchtopk|jumprelu|matryoshka|relu-l1|all (default all)]
//                [--epochs 5] [--threads T (default: the core count, as the engine)]
//                [--max-states 200000] [--expansion 32] [--k 32] [--plugin-dir D] [--adapter A]
#include "data/interactions.h"
#include "sae/demo_data.h"
#include "sae/recommender.h"
#include "sae/sasrec.h"
#include "sae/sparse_autoencoder.h"

#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>

namespace {

// NumPy .npy v1.0, little-endian float32, C order.
void writeNpy(const std::string& path, const torch::Tensor& states) {
    auto t = states.to(torch::kFloat32).contiguous();
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(t.size(0)) + ", " +
                         std::to_string(t.size(1)) + "), }";
    const size_t unpadded = 10 + header.size() + 1;
    header += std::string((64 - unpadded % 64) % 64, ' ') + "\n";
    std::ofstream out(path, std::ios::binary);
    const uint16_t len = static_cast<uint16_t>(header.size());
    out.write("\x93NUMPY\x01\x00", 8);
    out.write(reinterpret_cast<const char*>(&len), 2);
    out << header;
    out.write(reinterpret_cast<const char*>(t.data_ptr<float>()), t.numel() * sizeof(float));
    if (!out) throw std::runtime_error(path + ": cannot write the states");
}

torch::Tensor readNpy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char magic[8];
    uint16_t len = 0;
    if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY\x01\x00", 8) != 0 || !in.read(reinterpret_cast<char*>(&len), 2))
        throw std::runtime_error(path + ": not a .npy v1.0 file");
    std::string header(len, '\0');
    in.read(header.data(), len);
    if (header.find("'<f4'") == std::string::npos || header.find("'fortran_order': False") == std::string::npos)
        throw std::runtime_error(path + ": expected little-endian float32 in C order");
    const size_t open = header.find("'shape': ("), comma = header.find(',', open), close = header.find(')', open);
    const int64_t n = std::stoll(header.substr(open + 10, comma - open - 10));
    const int64_t d = std::stoll(header.substr(comma + 1, close - comma - 1));
    auto t = torch::empty({n, d});
    if (!in.read(reinterpret_cast<char*>(t.data_ptr<float>()), t.numel() * sizeof(float)))
        throw std::runtime_error(path + ": truncated");
    return t;
}

// The state of every prefix of every training sequence (leave-one-out train part), as
// RecSaeJob trains on; a seeded sample of maxStates beyond that.
torch::Tensor prefixStates(cs::sae::ProbedRecommender& model, const cs::data::InteractionLog& log, int64_t maxStates) {
    const auto split = cs::data::leaveOneOut(log);
    std::vector<std::pair<int32_t, int32_t>> prefixes;  // (user, length)
    for (size_t u = 0; u < split.train.size(); ++u)
        for (size_t len = 1; len <= split.train[u].size(); ++len) prefixes.push_back({int32_t(u), int32_t(len)});
    if (static_cast<int64_t>(prefixes.size()) > maxStates) {
        std::mt19937_64 rng(0);
        std::shuffle(prefixes.begin(), prefixes.end(), rng);
        prefixes.resize(maxStates);
    }
    std::stable_sort(prefixes.begin(), prefixes.end(), [](auto& a, auto& b) { return a.second < b.second; });
    std::vector<torch::Tensor> parts;
    for (size_t b = 0; b < prefixes.size(); b += 512) {
        std::vector<std::vector<int64_t>> batch;
        for (size_t i = b; i < std::min(prefixes.size(), b + 512); ++i) {
            const auto& s = split.train[prefixes[i].first];
            batch.emplace_back(s.begin(), s.begin() + prefixes[i].second);
        }
        parts.push_back(model.encode(cs::sae::padLeft(batch, model.maxLength())));
    }
    return torch::cat(parts, 0);
}

cs::data::InteractionLog logFor(const cs::sae::ProbedRecommender& model, const std::string& path) {
    cs::data::InteractionLoadOptions options;
    if (!model.itemVocabulary().empty()) options.vocabulary = model.itemVocabulary();
    else options.identityMaxItem = model.info().numItems;
    return cs::data::loadInteractions(path, options);
}

// Trains the PyTorch implementation of `family` on the same states file with the same settings
// and thread count (OpenMP/MKL from the environment and torch.set_num_threads); its JSON line.
nlohmann::json runReference(const std::string& family, const std::string& statesPath, int64_t n, int64_t d,
                            const cs::sae::SaeConfig& config, int epochs, int threads) {
    const std::string t = std::to_string(threads);
    const bool topk = family == "topk";
    std::string cmd = "OMP_NUM_THREADS=" + t + " MKL_NUM_THREADS=" + t + " " + std::string(CS_PYTHON) + " " +
                      (topk ? CS_BENCH_SCRIPT : CS_BENCH_FAMILIES_SCRIPT) + " " + statesPath + " " + std::to_string(n) + " " +
                      std::to_string(d) + " " + std::to_string(config.expansion) + " " + std::to_string(config.k) + " " +
                      std::to_string(epochs) + " " + std::to_string(config.batchSize) + " " +
                      std::to_string(config.learningRate) + " " + t + " 0" + (topk ? "" : " " + family);
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
    std::string output;
    std::array<char, 4096> buf{};
    while (pipe && fgets(buf.data(), buf.size(), pipe.get())) output += buf.data();
    auto ref = nlohmann::json::parse(output, nullptr, false);
    if (ref.is_discarded()) throw std::runtime_error("the " + family + " reference failed: " + output);
    return ref;
}

}  // namespace

int main(int argc, char** argv) try {
    std::string statesPath, modelPath, interactionsPath, savePath, source = "synthetic";
    cs::sae::RecommenderLoadOptions loader;
    cs::sae::DemoDataOptions demo;
    bool useDemo = false;
    int64_t n = 60000, d = 64, maxStates = 200000;
    int epochs = 5, sasrecEpochs = 12;
    int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    cs::sae::SaeConfig config;  // RecSAE defaults: expansion 32, k 32, lr 5e-4, batch 256
    std::vector<std::string> families = cs::sae::saeFamilyNames();
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
            return argv[++i];
        };
        if (a == "--demo") useDemo = true;
        else if (a == "--states") statesPath = value();
        else if (a == "--model") modelPath = value();
        else if (a == "--interactions") interactionsPath = value();
        else if (a == "--adapter") loader.adapter = value();
        else if (a == "--plugin-dir") loader.pluginDirs.push_back(value());
        else if (a == "--save-states") savePath = value();
        else if (a == "--n") n = std::stoll(value());
        else if (a == "--d") d = std::stoll(value());
        else if (a == "--max-states") maxStates = std::stoll(value());
        else if (a == "--epochs") epochs = std::stoi(value());
        else if (a == "--sasrec-epochs") sasrecEpochs = std::stoi(value());
        else if (a == "--demo-items") demo.numItems = std::stoi(value());
        else if (a == "--demo-users") demo.numUsers = std::stoi(value());
        else if (a == "--demo-max-len") demo.maxLength = std::stoi(value());
        else if (a == "--threads") threads = std::stoi(value());
        else if (a == "--expansion") config.expansion = std::stoll(value());
        else if (a == "--k") config.k = std::stoll(value());
        else if (a == "--family") {
            const std::string family = value();
            families = family == "all" ? cs::sae::saeFamilyNames() : std::vector<std::string>{family};
        }
        else throw std::runtime_error("unknown option " + a + " (see the comment at the top of sae_training_bench.cpp)");
    }
    if (threads < 1) throw std::runtime_error("--threads must be at least 1");
    torch::set_num_threads(threads);
    const std::string tmp = CS_BENCH_TMP;
    if (savePath.empty()) savePath = tmp + "/sae_bench_states.npy";

    torch::Tensor states;
    if (useDemo || !modelPath.empty()) {
        if (useDemo) {
            const std::string dir = tmp + "/sae_demo";
            const auto files = cs::sae::generateDemoData(dir, 7, demo);
            modelPath = dir + "/sasrec.pt";
            interactionsPath = files.sasrec;
            cs::sae::SasRecConfig sasrec;
            sasrec.epochs = sasrecEpochs;
            const auto trained = cs::sae::trainSasRec(cs::data::loadInteractions(files.sasrec), modelPath, sasrec);
            std::printf("demo data: %d items, %d users, %d-%d interactions; SASRec %d epochs, test NDCG@10 %.4f "
                        "(popularity %.4f), %.1f s\n",
                        demo.numItems, demo.numUsers, demo.minLength, demo.maxLength, trained.epochsRun,
                        trained.test.ndcg10, trained.popularityTest.ndcg10, trained.totalSeconds);
        } else if (interactionsPath.empty()) {
            throw std::runtime_error("--model needs --interactions");
        }
        auto model = cs::sae::ProbedRecommender::load(modelPath, loader);
        states = prefixStates(*model, logFor(*model, interactionsPath), maxStates);
        source = "recommender states of " + modelPath + " (adapter " + model->info().adapter + ")";
        writeNpy(savePath, states);
        statesPath = savePath;
    } else if (!statesPath.empty()) {
        if (statesPath.size() > 4 && statesPath.substr(statesPath.size() - 4) == ".npy") {
            states = readNpy(statesPath);
        } else {
            std::ifstream in(statesPath, std::ios::binary);
            states = torch::empty({n, d});
            in.read(reinterpret_cast<char*>(states.data_ptr<float>()), states.numel() * sizeof(float));
            if (!in) throw std::runtime_error(statesPath + ": cannot read " + std::to_string(n) + " x " + std::to_string(d) + " float32");
            writeNpy(savePath, states);
            statesPath = savePath;
        }
        source = "states from " + statesPath;
    } else {
        torch::manual_seed(0);
        auto dirs = torch::randn({200, d});
        auto codes = torch::zeros({n, 200});
        codes.scatter_(1, torch::randint(0, 200, {n, 6}), torch::rand({n, 6}) + 0.5);
        states = torch::mm(codes, dirs) + 0.05 * torch::randn({n, d});
        writeNpy(savePath, states);
        statesPath = savePath;
    }
    n = states.size(0);
    d = states.size(1);

    config.epochs = epochs;
    std::printf("SAE training on %s\n", source.c_str());
    std::printf("  %lld states x %lld, %lld latents, k %lld, %d epochs, batch %lld, lr %g; states file %s\n", (long long)n,
                (long long)d, (long long)(d * config.expansion), (long long)config.k, epochs, (long long)config.batchSize,
                config.learningRate, statesPath.c_str());
    std::printf("  %-10s %12s %12s %7s %9s %9s %7s %7s\n", "family", "ours smp/s", "torch smp/s", "ratio", "FVU ours",
                "FVU torch", "L0 ours", "L0 torch");
    bool fair = true;
    for (const std::string& family : families) {
        config.family = cs::sae::saeFamilyFromString(family);
        auto sae = cs::sae::makeSparseAutoencoder(d, config);
        const int oursThreads = torch::get_num_threads();
        const auto stats = sae->train(states);
        const double oursFvu = sae->fvu(states);
        const double oursL0 = (sae->encodeDense(states) > 0).sum(1).to(torch::kFloat64).mean().item<double>();
        const auto ref = runReference(family, statesPath, n, d, config, epochs, threads);
        const double refRate = ref["samples_per_second"].get<double>();
        const int refThreads = ref.value("threads", -1);
        std::printf("  %-10s %12.0f %12.0f %6.2fx %9.4f %9.4f %7.2f %7.2f\n", family.c_str(), stats.samplesPerSecond(),
                    refRate, stats.samplesPerSecond() / refRate, oursFvu, ref["fvu"].get<double>(), oursL0,
                    ref.value("l0", double(config.k)));
        if (refThreads != oursThreads) {
            std::fprintf(stderr, "%s: thread counts differ (%d vs %d): the comparison is not fair\n", family.c_str(),
                         oursThreads, refThreads);
            fair = false;
        }
    }
    std::printf("  threads: %d on each side\n", threads);
    return fair ? 0 : 1;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_sae_training: %s\n", e.what());
    return 1;
}
