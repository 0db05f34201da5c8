// CRAFT bench: the studio's engine against a plain Python pipeline (torch + scikit-learn, same
// defaults as the reference) on the same TorchScript resnet18 (split at layer4) and the same
// Fashion-MNIST images upsampled to 224, measured in the same run. Prints per-stage ratios
// (g, NMF, Sobol, Sobol vs h alone, end to end) and peak RSS of both processes.
// Usage: craft_bench [--images N] [--class 7] [--work DIR] [--python-threads T] [--layer layer4|layer3|layer2] [--studio-only] [--skip-python]
#include "craft/craft_engine.h"

#include "data/image_source.h"
#include "model/model_loader.h"

#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double peakRssMb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024.0;
}

void run(const std::string& command) {
    std::cerr << "+ " << command << "\n";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("command failed: " + command);
}

}  // namespace

int main(int argc, char** argv) {
    int64_t nImages = 40, cls = 7;
    fs::path work = fs::temp_directory_path() / "craft_bench";
    int pythonThreads = 0;
    std::string layer = "layer4";
    bool studioOnly = false, skipPython = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--images" && i + 1 < argc) nImages = std::stoll(argv[++i]);
        else if (a == "--class" && i + 1 < argc) cls = std::stoll(argv[++i]);
        else if (a == "--work" && i + 1 < argc) work = argv[++i];
        else if (a == "--python-threads" && i + 1 < argc) pythonThreads = std::stoi(argv[++i]);
        else if (a == "--layer" && i + 1 < argc) layer = argv[++i];
        else if (a == "--studio-only") studioOnly = true;
        else if (a == "--skip-python") skipPython = true;
        else {
            std::cerr << "usage: craft_bench [--images N] [--class C] [--work DIR] [--python-threads T] [--layer layer4|layer3|layer2] [--studio-only] [--skip-python]\n";
            return 2;
        }
    }
    const std::string python = "/usr/bin/python3";
    const std::string here = CS_BENCH_DIR;
    const std::string data = "/usr/share/datasets/fashion-mnist";
    fs::create_directories(work);
    const fs::path model = work / "resnet18_split.pt";
    if (!fs::exists(model)) run(python + " " + here + "/export_resnet18_split.py " + model.string() + " 0");

    // Both sides get the same number of threads (Python torch defaults to 1 on this machine,
    // which would flatter the studio's 2).
    cs::model::configureTorchThreads();
    if (pythonThreads <= 0) pythonThreads = torch::get_num_threads();
    nlohmann::json py;
    if (!studioOnly && !skipPython) {
        const fs::path out = work / "python.json";
        run(python + " " + here + "/python_craft_baseline.py " + model.string() + " " + data + "/t10k-images-idx3-ubyte.gz " + data +
            "/t10k-labels-idx1-ubyte.gz " + std::to_string(cls) + " " + std::to_string(nImages) + " " + out.string() + " " +
            std::to_string(pythonThreads) + " " + layer);
        py = nlohmann::json::parse(std::ifstream(out));
    }
    cs::model::LoadOptions options;
    options.optionsJson = R"({"freeze": true})";
    auto vision = cs::model::loadVisionModel(model.string(), options);
    const auto& info = vision->info();

    // Same images as the Python side: the first N of the class, 3 channels, 224×224, normalised.
    auto source = cs::data::openImageSource(data + "/t10k-images-idx3-ubyte.gz");
    at::Tensor images = torch::empty({nImages, 3, 224, 224});
    int64_t loaded = 0;
    for (size_t i = 0; i < source->images().size() && loaded < nImages; ++i) {
        if (source->images()[i].label != cls) continue;
        auto image = source->load(i, 3);
        auto pixels = cs::data::resizeAndNormalise(image, 224, 224, info.mean, info.std);
        images[loaded++].copy_(torch::from_blob(pixels.data(), {3, 224, 224}));
    }

    cs::craft::CraftOptions o;
    o.layer = layer;
    o.classIndex = cls;
    o.concepts = 10;
    o.patchSize = 64;
    o.sobolDesigns = 32;
    o.sobolDesign = cs::craft::SobolDesign::Reference;  // same masks as the baseline: equal work
    o.mapImages = 0;
    o.randomOrders = 0;
    o.implicitMaps = false;
    auto start = Clock::now();
    cs::craft::CraftResult result = cs::craft::CraftEngine(*vision, o).run(images, at::Tensor());
    const double total = seconds(start);
    const auto& t = result.timings;

    // h alone on the same number of rows and batch size, on activations of the right shape.
    double hAlone = 0;
    {
        torch::InferenceMode inference;
        std::vector<int64_t> shape = vision->activations(images.slice(0, 0, 1), layer).sizes().vec();
        shape[0] = o.hBatch;
        at::Tensor a = torch::rand(shape);
        const int64_t rows = result.hEvaluations;
        auto s = Clock::now();
        for (int64_t done = 0; done < rows; done += o.hBatch) {
            const int64_t n = std::min(o.hBatch, rows - done);
            vision->logitsFrom(a.slice(0, 0, n), layer);
        }
        hAlone = seconds(s);
    }
    // The g micro-comparison: plain scripted module vs the frozen one, 64 crops.
    double gPlain = 0, gFrozen = 0;
    {
        cs::model::LoadOptions plainOptions;
        auto plain = cs::model::loadVisionModel(model.string(), plainOptions);
        torch::InferenceMode inference;
        at::Tensor x = torch::randn({64, 3, 224, 224});
        plain->activations(x.slice(0, 0, 8), layer);
        vision->activations(x.slice(0, 0, 8), layer);
        auto s = Clock::now();
        plain->activations(x, layer);
        gPlain = seconds(s);
        s = Clock::now();
        vision->activations(x, layer);
        gFrozen = seconds(s);
    }

    std::cout << std::fixed << std::setprecision(3);
    std::cout << "CRAFT bench: resnet18 (random init) split at " << layer << ", Fashion-MNIST class " << cls << ", " << nImages << " images -> "
              << result.crops.size() << " crops, r = 10, nb_design 32 (reference Halton masks on both sides)\n";
    std::cout << "torch threads: studio " << torch::get_num_threads() << ", python " << (py.is_object() ? py.value("threads", 0) : 0) << "\n\n";
    auto row = [&](const std::string& name, double studio, const char* key) {
        std::cout << std::left << std::setw(30) << name << std::right << std::setw(10) << studio;
        if (py.contains("timings_s") && py["timings_s"].contains(key)) {
            const double base = py["timings_s"][key].get<double>();
            std::cout << std::setw(12) << base << std::setw(10) << std::setprecision(2) << base / studio << "x" << std::setprecision(3);
        }
        std::cout << "\n";
    };
    std::cout << std::left << std::setw(30) << "stage (s)" << std::right << std::setw(10) << "studio" << std::setw(12) << "python"
              << std::setw(11) << "speed-up" << "\n";
    // Like for like: the studio runs g on the whole images in its activations stage, the Python
    // pipeline (as the reference) inside its importance stage; the rows separate the two.
    const double pyImages = py.contains("timings_s") ? py["timings_s"].value("image_activations", 0.0) : 0.0;
    if (py.contains("timings_s")) {
        py["timings_s"]["sobol_after_g"] = py["timings_s"]["sobol"].get<double>() - pyImages;
        py["timings_s"]["g_all"] = py["timings_s"]["activations"].get<double>() + pyImages;
    }
    row("g: crops", t.activations - t.imageActivations, "activations");
    row("g: whole images", t.imageActivations, "image_activations");
    row("g: all", t.activations, "g_all");
    row("NMF", t.nmf, "nmf");
    row("Sobol (transform+rebuild+h)", t.sobol, "sobol_after_g");
    row("  of which h", t.hSeconds, "h");
    row("end to end", t.activations + t.nmf + t.sobol, "total");
    std::cout << "\nstudio engine total incl. faithfulness " << total << " s\n";
    std::cout << "Sobol stage / h alone (" << result.hEvaluations << " evaluations): " << std::setprecision(2) << t.sobol / hAlone
              << "x  (h alone " << std::setprecision(3) << hAlone << " s)\n";
    std::cout << "g on 64 crops: plain scripted " << gPlain << " s, frozen " << gFrozen << " s (" << std::setprecision(2) << gPlain / gFrozen
              << "x)\n" << std::setprecision(4);
    std::cout << "NMF relative error: studio " << result.nmf.relativeError << " (" << result.nmf.iterations << " it)";
    if (py.contains("nmf")) std::cout << ", python " << py["nmf"]["relative_error"].get<double>() << " (" << py["nmf"]["iterations"] << " it)";
    std::cout << "\n" << std::setprecision(0);
    std::cout << "peak RSS: studio " << peakRssMb() << " MB";
    if (py.contains("peak_rss_mb")) std::cout << ", python " << py["peak_rss_mb"].get<double>() << " MB";
    std::cout << "\n";
    if (py.contains("importance")) {
        // Same masks, same model: the importances should rank concepts alike (NMF factors may differ).
        std::cout << "python importance (sorted): ";
        auto imp = py["importance"].get<std::vector<double>>();
        std::sort(imp.rbegin(), imp.rend());
        for (double v : imp) std::cout << std::setprecision(3) << v << " ";
        std::cout << "\nstudio importance (sorted): ";
        for (int64_t k : result.conceptOrder) std::cout << result.nodes[k].importance << " ";
        std::cout << "\n";
    }
    return 0;
}
