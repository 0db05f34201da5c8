// Methods bench (docs/craft.md "Methods" and "Metrics"), measured in one run:
//  1. Concept importance of 100 images on resnet18 (random weights, split at layer4; the CRAFT
//     bench's export): Sobol (32 designs, 10 concepts: 38,400 rows of h) against Gradient × Input
//     (one row and one backward pass per image) and Integrated Gradients (50 rows per image); the
//     time ratio and the Spearman correlation of the global rankings, on the model and on the
//     planted-concept case of the tests (an additive h where one concept dominates).
//  2. PCA and K-Means on 1600 × 512 activations of the same model against scikit-learn run on the
//     same matrix right before (best of 3 fits each), with explained variance and inertia.
//  3. A method comparison through the activation cache (craft/activation_cache.h): 6 dictionaries ×
//     2 estimators on the same images and crops, against one activation pass plus each run's own
//     work (both from the same runs), and against the same 12 runs without the cache; then one run
//     with another concept count from a new process's view (the project's cache only).
// Usage: methods_bench [--images N] [--work DIR] [--skip-python] [--skip-comparison]
#include "craft/concept_contributions.h"
#include "craft/concept_dictionary.h"
#include "craft/activation_cache.h"
#include "craft/concept_importance.h"
#include "craft/craft_engine.h"
#include "craft/crops.h"
#include "craft/image_activations.h"

#include "metrics/concept_faithfulness.h"
#include "model/model_adapter.h"
#include "model/model_loader.h"
#include "store/project_store.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <functional>
#include <numeric>

namespace fs = std::filesystem;
using namespace cs::craft;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string capture(const std::string& command) {
    std::cerr << "+ " << command << "\n";
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot run " + command);
    std::string out;
    char buffer[4096];
    while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    if (pclose(pipe) != 0) throw std::runtime_error("command failed: " + command + "\n" + out);
    return out;
}

// Smooth, varied pictures at 224 (the model's input size), normalised like ImageNet's.
at::Tensor benchImages(int64_t n) {
    torch::manual_seed(3);
    auto ys = torch::linspace(0, 1, 224).view({1, 224, 1}), xs = torch::linspace(0, 1, 224).view({1, 1, 224});
    at::Tensor images = torch::empty({n, 3, 224, 224});
    for (int64_t i = 0; i < n; ++i) {
        at::Tensor f = torch::rand({3, 1, 1}) * 12 + 1, g = torch::rand({3, 1, 1}) * 12 + 1;
        images[i] = torch::sin(ys * f * 3.14) * torch::cos(xs * g * 3.14 + ys * 2.0);
    }
    return images;
}

std::vector<double> ranks(const std::vector<double>& values) {
    std::vector<int64_t> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return values[a] > values[b]; });
    std::vector<double> rank(values.size());
    for (size_t i = 0; i < order.size(); ++i) rank[order[i]] = static_cast<double>(i);
    return rank;
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
    return cs::metrics::pearsonCorrelation(ranks(a), ranks(b)).value_or(0.0);
}

struct Timed {
    double seconds = 0;
    int64_t rows = 0;
    std::vector<double> global;  // mean importance over the images
};

// The best of 3 passes over the images (a shared 2-core machine's timings vary by tens of per cent).
Timed timeImportance(ConceptImportance& estimator, const std::vector<at::Tensor>& contributions, const RowEvaluator& h) {
    Timed best;
    for (int repeat = 0; repeat < 3; ++repeat) {
        Timed t;
        const int64_t r = contributions.front().size(0);
        t.global.assign(static_cast<size_t>(r), 0.0);
        const auto start = Clock::now();
        for (const at::Tensor& B : contributions) {
            const ImportanceScores s = estimator.estimate(B, h);
            t.rows += s.evaluations;
            for (int64_t k = 0; k < r; ++k) t.global[k] += s.scores[k] / static_cast<double>(contributions.size());
        }
        t.seconds = seconds(start);
        if (repeat == 0 || t.seconds < best.seconds) best = t;
    }
    return best;
}

void importanceBench(cs::model::VisionModel& model, const at::Tensor& rows, int64_t n, int64_t r) {
    auto dictionary = makeNmfDictionary(200, 1e-4);
    at::Tensor U, W;
    const auto fitStart = Clock::now();
    dictionary->fit(rows, r, U, W);
    std::printf("NMF on %lld x %lld image rows, r = %lld: %.2f s\n", static_cast<long long>(rows.size(0)), static_cast<long long>(rows.size(1)),
                static_cast<long long>(r), seconds(fitStart));
    const at::Tensor codes = dictionary->transform(rows).view({n, -1, r});
    std::vector<at::Tensor> contributions;
    for (int64_t i = 0; i < n; ++i) contributions.push_back(conceptContributions(codes[i], W, {7, 7}));
    ActivationPolicy policy{NegativeActivations::Refuse, 0.0, "layer4", false};
    double hSeconds = 0;
    const RowEvaluator h = classLogitEvaluator(model, "layer4", policy, {512, 7, 7}, 7, &hSeconds);
    auto sobol = makeSobolImportance(SobolDesign::ScrambledSobol, 32, 0, 64);
    auto gi = makeGradientInputImportance(64);
    auto ig = makeIntegratedGradientsImportance(kIntegratedGradientSteps, 64);
    timeImportance(*gi, {contributions.front()}, h);  // warm-up of the autograd path
    const Timed s = timeImportance(*sobol, contributions, h);
    const Timed g = timeImportance(*gi, contributions, h);
    const Timed i = timeImportance(*ig, contributions, h);
    std::printf("\nconcept importance of %lld images, resnet18 layer4, r = %lld\n", static_cast<long long>(n), static_cast<long long>(r));
    std::printf("  %-22s %10s %12s %10s\n", "estimator", "seconds", "rows of h", "vs sobol");
    std::printf("  %-22s %10.3f %12lld %10s\n", "sobol", s.seconds, static_cast<long long>(s.rows), "1");
    std::printf("  %-22s %10.3f %12lld %9.1fx\n", "gradient-input", g.seconds, static_cast<long long>(g.rows), s.seconds / g.seconds);
    std::printf("  %-22s %10.3f %12lld %9.1fx\n", "integrated-gradients", i.seconds, static_cast<long long>(i.rows), s.seconds / i.seconds);
    // Sobol's total indices measure how much a concept moves h, whichever way; the gradients are
    // signed. Both rank correlations are printed: of the signed scores, and of their magnitudes.
    auto magnitudes = [](std::vector<double> v) {
        for (double& x : v) x = std::abs(x);
        return v;
    };
    std::printf("  Spearman of the global rankings: gradient-input vs sobol %.3f, integrated-gradients vs sobol %.3f\n",
                spearman(g.global, s.global), spearman(i.global, s.global));
    std::printf("  ... of their magnitudes: |gradient-input| vs sobol %.3f, |integrated-gradients| vs sobol %.3f\n",
                spearman(magnitudes(g.global), s.global), spearman(magnitudes(i.global), s.global));
}

// The tests' planted case at bench size: 100 images whose contributions are random directions
// scaled by per-concept weights (concept 2 dominates) and per-image noise; h is additive.
void plantedBench(int64_t n) {
    torch::manual_seed(21);
    const int64_t r = 10, features = 512 * 49;
    const at::Tensor c = torch::rand({features}, torch::kFloat64);
    const at::Tensor weights = torch::tensor({1.0, 0.5, 6.0, 2.0, 0.1, 3.0, 0.7, 1.5, 0.3, 2.5}, torch::kFloat32);
    std::vector<at::Tensor> contributions;
    for (int64_t i = 0; i < n; ++i) contributions.push_back(torch::rand({r, features}) * (weights * (0.5 + torch::rand({r}))).unsqueeze(1));
    const RowEvaluator h = [&c](const at::Tensor& rows) { return rows.to(torch::kFloat64).mv(c).to(torch::kFloat32); };
    auto sobol = makeSobolImportance(SobolDesign::ScrambledSobol, 32, 0, 64);
    auto gi = makeGradientInputImportance(64);
    const Timed s = timeImportance(*sobol, contributions, h);
    const Timed g = timeImportance(*gi, contributions, h);
    const auto first = [](const std::vector<double>& v) { return std::max_element(v.begin(), v.end()) - v.begin(); };
    std::printf("\nplanted case (additive h, concept 2 planted), %lld images, r = %lld\n", static_cast<long long>(n), static_cast<long long>(r));
    std::printf("  sobol %.3f s, gradient-input %.3f s (%.1fx); first concept: sobol %lld, gradient-input %lld; Spearman %.3f\n", s.seconds,
                g.seconds, s.seconds / g.seconds, static_cast<long long>(first(s.global)), static_cast<long long>(first(g.global)),
                spearman(g.global, s.global));
}

double explainedVariance(const at::Tensor& A, const at::Tensor& rebuilt) {
    const at::Tensor centred = A - A.mean(0, true);
    return 1.0 - (A - rebuilt).pow(2).sum().item<double>() / centred.pow(2).sum().item<double>();
}

double inertia(const at::Tensor& A, const at::Tensor& centroids) {
    return torch::cdist(A.to(torch::kFloat64), centroids.to(torch::kFloat64)).pow(2).amin(1).sum().item<double>();
}

void dictionaryBench(const at::Tensor& A, int64_t r, const fs::path& work, bool skipPython) {
    nlohmann::json sk;
    if (!skipPython) {
        const fs::path file = work / "activations.f32";
        at::Tensor c = A.contiguous();
        std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(c.data_ptr<float>()), c.numel() * 4);
        const std::string out = capture("OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 /usr/bin/python3 " + std::string(CS_BENCH_DIR) + "/sklearn_dictionaries.py" +
                                        " " + file.string() + " " + std::to_string(A.size(0)) + " " + std::to_string(A.size(1)) + " " +
                                        std::to_string(r) + " 0");
        sk = nlohmann::json::parse(out);
    }
    auto bestOf = [&](const std::function<std::unique_ptr<ConceptDictionary>()>& make, at::Tensor& U, at::Tensor& W,
                      std::unique_ptr<ConceptDictionary>& fitted) {
        double best = 1e30;
        for (int repeat = 0; repeat < 3; ++repeat) {
            fitted = make();
            const auto start = Clock::now();
            fitted->fit(A, r, U, W);
            best = std::min(best, seconds(start));
        }
        return best;
    };
    at::Tensor U, W;
    std::unique_ptr<ConceptDictionary> pca, kmeans;
    const double pcaSeconds = bestOf([] { return makePcaDictionary(); }, U, W, pca);
    const double pcaVariance = explainedVariance(A, pca->reconstruct(U));
    const double kmeansSeconds = bestOf([] { return makeKMeansDictionary(300, 1e-4, 0); }, U, W, kmeans);
    const double kmeansInertia = inertia(A, W);
    std::printf("\ndictionaries on %lld x %lld activations, r = %lld (best of 3 fits; scikit-learn with 2 threads)\n", static_cast<long long>(A.size(0)),
                static_cast<long long>(A.size(1)), static_cast<long long>(r));
    std::printf("  %-8s %10s %14s %12s %14s %10s\n", "method", "studio s", "studio score", "sklearn s", "sklearn score", "speed-up");
    if (sk.is_null()) {
        std::printf("  %-8s %10.4f %14.6g (explained variance)\n", "pca", pcaSeconds, pcaVariance);
        std::printf("  %-8s %10.4f %14.6g (inertia)\n", "kmeans", kmeansSeconds, kmeansInertia);
        return;
    }
    std::printf("  %-8s %10.4f %14.6g %12.4f %14.6g %9.2fx  (explained variance)\n", "pca", pcaSeconds, pcaVariance, sk["pca_seconds"].get<double>(),
                sk["pca_explained_variance"].get<double>(), sk["pca_seconds"].get<double>() / pcaSeconds);
    std::printf("  %-8s %10.4f %14.6g %12.4f %14.6g %9.2fx  (inertia; sklearn %d iterations)\n", "kmeans", kmeansSeconds, kmeansInertia,
                sk["kmeans_seconds"].get<double>(), sk["kmeans_inertia"].get<double>(), sk["kmeans_seconds"].get<double>() / kmeansSeconds,
                sk["kmeans_iterations"].get<int>());
}

// One CRAFT run of the comparison; its wall time, its activation stage and where the pass came from.
struct ComparedRun {
    std::string name, cache;
    double wall = 0, activations = 0;
};

ComparedRun runCraft(cs::model::VisionModel& model, const at::Tensor& images, CraftOptions options, ActivationCache* cache) {
    CraftEngine engine(model, options);
    if (cache) engine.useActivationCache(cache, "resnet18_split.pt");
    const auto start = Clock::now();
    const CraftResult result = engine.run(images, at::Tensor());
    return {std::string(toString(options.dictionary)) + " x " + toString(options.importance), result.activationCache, seconds(start),
            result.timings.activations};
}

void comparisonBench(cs::model::VisionModel& model, const at::Tensor& images, const fs::path& work) {
    const fs::path projectPath = work / "comparison.cstudio";
    fs::remove(projectPath);
    fs::remove(projectPath.string() + "-wal");
    fs::remove(projectPath.string() + "-shm");
    auto store = cs::store::ProjectStore::create(projectPath.string());
    CraftOptions base;
    base.layer = "layer4";
    base.classIndex = 7;
    base.concepts = 10;
    base.implicitMaps = false;  // only NMF has them; the comparison leaves them out for the others
    base.mapImages = 4;
    const std::vector<ConceptDictionaryMethod> dictionaries{ConceptDictionaryMethod::Nmf,  ConceptDictionaryMethod::SemiNmf,
                                                            ConceptDictionaryMethod::Pca,  ConceptDictionaryMethod::KMeans,
                                                            ConceptDictionaryMethod::Sae,  ConceptDictionaryMethod::Archetypal};
    const std::vector<ConceptImportanceMethod> importances{ConceptImportanceMethod::Sobol, ConceptImportanceMethod::GradientInput};
    auto options = [&](ConceptDictionaryMethod d, ConceptImportanceMethod i) {
        CraftOptions o = base;
        o.dictionary = d;
        o.importance = i;
        o.dictionaryGiven = true;
        return o;
    };
    // With the cache: what a comparison does.
    ProjectActivationCache cache(*store, "resnet18_split.pt", "layer4");
    std::vector<ComparedRun> cached;
    const auto comparisonStart = Clock::now();
    for (auto d : dictionaries)
        for (auto i : importances) cached.push_back(runCraft(model, images, options(d, i), &cache));
    const double comparisonWall = seconds(comparisonStart);
    // Without: each run computes its own pass.
    std::vector<ComparedRun> uncached;
    for (auto d : dictionaries)
        for (auto i : importances) uncached.push_back(runCraft(model, images, options(d, i), nullptr));
    double ownWork = 0, uncachedWall = 0;
    std::printf("\nmethod comparison, %lld images, resnet18 layer4, 6 dictionaries x 2 estimators, r = 10\n", static_cast<long long>(images.size(0)));
    std::printf("  %-30s %8s %10s %12s %12s\n", "run", "cache", "wall s", "activations", "no cache s");
    for (size_t k = 0; k < cached.size(); ++k) {
        ownWork += cached[k].wall - cached[k].activations;
        uncachedWall += uncached[k].wall;
        std::printf("  %-30s %8s %10.2f %12.2f %12.2f\n", cached[k].name.c_str(), cached[k].cache.c_str(), cached[k].wall, cached[k].activations,
                    uncached[k].wall);
    }
    const double pass = cached.front().activations;
    std::printf("  one activation pass %.2f s + the runs' own work %.2f s = %.2f s; the comparison took %.2f s: ratio %.3f (target <= 1.5)\n",
                pass, ownWork, pass + ownWork, comparisonWall, comparisonWall / (pass + ownWork));
    std::printf("  the same 12 runs without the cache: %.2f s (%.2fx the comparison)\n", uncachedWall, uncachedWall / comparisonWall);
    // Another process: only the project file is shared. Another concept count reuses the pass.
    ProjectActivationCache fresh(*store, "resnet18_split.pt", "layer4");
    CraftOptions more = options(ConceptDictionaryMethod::Nmf, ConceptImportanceMethod::Sobol);
    more.concepts = 12;
    const ComparedRun again = runCraft(model, images, more, &fresh);
    std::printf("  r = 12 from the project's cache: %s, activation stage %.3f s of %.2f s (the pass took %.2f s)\n", again.cache.c_str(),
                again.activations, again.wall, pass);
}

}  // namespace

int main(int argc, char** argv) {
    int64_t n = 100;
    fs::path work = fs::temp_directory_path() / "methods_bench";
    bool skipPython = false, skipComparison = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--images" && i + 1 < argc) n = std::stoll(argv[++i]);
        else if (a == "--work" && i + 1 < argc) work = argv[++i];
        else if (a == "--skip-python") skipPython = true;
        else if (a == "--skip-comparison") skipComparison = true;
        else {
            std::cerr << "usage: methods_bench [--images N] [--work DIR] [--skip-python] [--skip-comparison]\n";
            return 2;
        }
    }
    try {
        fs::create_directories(work);
        cs::model::configureTorchThreads();
        const fs::path modelPath = work / "resnet18_split.pt";
        if (!fs::exists(modelPath)) capture("/usr/bin/python3 " + std::string(CS_BENCH_CRAFT_DIR) + "/export_resnet18_split.py " + modelPath.string());
        cs::model::LoadOptions options;
        options.optionsJson = R"({"freeze": true})";
        auto model = cs::model::loadVisionModel(modelPath.string(), options);
        std::printf("threads: %d\n", torch::get_num_threads());
        at::Tensor activations;
        const at::Tensor images = benchImages(n);
        {
            torch::InferenceMode inference;
            activations = imageActivations(*model, "layer4", images, 16);
        }
        const at::Tensor rows = rowsByChannel(activations).contiguous();
        const int64_t r = 10;
        importanceBench(*model, rows, n, r);
        plantedBench(n);
        // 1600 rows of 512 channels: the size of a 100-image run's crop matrix.
        const at::Tensor A = rows.index_select(0, torch::arange(0, rows.size(0), std::max<int64_t>(1, rows.size(0) / 1600))).slice(0, 0, 1600).contiguous();
        dictionaryBench(A, r, work, skipPython);
        if (!skipComparison) comparisonBench(*model, images, work);
    } catch (const std::exception& e) {
        std::cerr << "methods_bench: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
