// Training the demo CNN. LibTorch C++ cannot script a C++ nn::Module, so the model is built as a
// torch::jit::Module directly: parameters registered on it, its methods defined from TorchScript
// source, and training runs through those same methods with autograd. What is trained is
// exactly what is saved, and the test accuracy is measured on the module as saved.
#include "demo/demo_vision_model.h"

#include "common/error.h"
#include "data/idx_file.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

namespace cs::demo {
namespace fs = std::filesystem;
namespace {

// v2: bump when the architecture, data or training recipe changes, so stale caches are ignored.
constexpr const char* kModelFile = "fashion-mnist-cnn-v2.pt";
constexpr const char* kMetadataFile = "fashion-mnist-cnn-v2.json";
constexpr float kMean = 0.2860f;  // Fashion-MNIST training set pixel mean and std
constexpr float kStd = 0.3530f;

// The split convention's methods. block1..block3 are the probe points (ReLU after the pooling:
// the same function as before it, since max and ReLU commute, at a quarter of the ReLU's
// cost in training); logits_from continues
// from any of them, so CRAFT can rebuild activations at one layer and read the logits;
// activations_between (optional in the convention) lets recursive concept trees weigh
// sub-concepts on their parent concept's coefficient.
// (`raise Exception(...)` cannot be resolved by Module::define's C++ resolver; assert can.)
const char* kModelSource = R"TS(
def block1(self, x: Tensor) -> Tensor:
    return torch.relu(torch.max_pool2d(torch.conv2d(x, self.conv1_weight, self.conv1_bias, [1, 1], [1, 1]), [2, 2], [2, 2]))

def block2(self, x: Tensor) -> Tensor:
    return torch.relu(torch.max_pool2d(torch.conv2d(x, self.conv2_weight, self.conv2_bias, [1, 1], [1, 1]), [2, 2], [2, 2]))

def block3(self, x: Tensor) -> Tensor:
    return torch.relu(torch.conv2d(x, self.conv3_weight, self.conv3_bias, [1, 1], [1, 1]))

def head(self, a: Tensor) -> Tensor:
    return torch.addmm(self.fc_bias, torch.flatten(a, 1), self.fc_weight.t())

def activations(self, x: Tensor, layer: str) -> Tensor:
    h = self.block1(x)
    if layer == "block1":
        return h
    h = self.block2(h)
    if layer == "block2":
        return h
    h = self.block3(h)
    assert layer == "block3", "unknown layer; probe points are block1, block2, block3"
    return h

def logits_from(self, a: Tensor, layer: str) -> Tensor:
    h = a
    if layer == "block1":
        h = self.block3(self.block2(h))
    elif layer == "block2":
        h = self.block3(h)
    else:
        assert layer == "block3", "unknown layer; probe points are block1, block2, block3"
    return self.head(h)

def activations_between(self, a: Tensor, from_layer: str, to_layer: str) -> Tensor:
    h = a
    if from_layer == "block1":
        h = self.block2(h)
        if to_layer == "block2":
            return h
    else:
        assert from_layer == "block2", "from_layer must be block1 or block2"
    assert to_layer == "block3", "to_layer must be a probe point after from_layer"
    return self.block3(h)

def forward(self, x: Tensor) -> Tensor:
    return self.head(self.block3(self.block2(self.block1(x))))
)TS";

struct ConvShape {
    const char* name;
    int64_t out, in, kernel;
};
constexpr ConvShape kConvs[] = {{"conv1", 16, 1, 3}, {"conv2", 32, 16, 3}, {"conv3", 64, 32, 3}};
constexpr int64_t kFeatures = 64 * 7 * 7;

// PyTorch's default initialisation (kaiming_uniform with a = sqrt(5), bias U(±1/sqrt(fan_in))).
void addLayer(torch::jit::Module& module, const std::string& name, std::vector<int64_t> weightShape, int64_t fanIn) {
    torch::Tensor weight = torch::empty(weightShape);
    torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
    const double bound = 1.0 / std::sqrt(double(fanIn));
    torch::Tensor bias = torch::empty({weightShape[0]}).uniform_(-bound, bound);
    module.register_parameter(name + "_weight", weight.requires_grad_(true), false);
    module.register_parameter(name + "_bias", bias.requires_grad_(true), false);
}

torch::jit::Module buildModule() {
    torch::jit::Module module("__torch__.concept_studio.demo.FashionMnistCnn");
    for (const auto& conv : kConvs)
        addLayer(module, conv.name, {conv.out, conv.in, conv.kernel, conv.kernel}, conv.in * conv.kernel * conv.kernel);
    addLayer(module, "fc", {10, kFeatures}, kFeatures);

    c10::List<std::string> probePoints({"block1", "block2", "block3"});
    module.register_attribute("probe_points", c10::ListType::ofStrings(), probePoints);
    c10::List<std::string> classNames;
    for (const auto& name : fashionMnistClassNames()) classNames.push_back(name);
    module.register_attribute("class_names", c10::ListType::ofStrings(), classNames);
    module.register_attribute("input_size", c10::ListType::ofInts(), c10::List<int64_t>({1, 28, 28}));
    module.register_attribute("mean", c10::ListType::ofFloats(), c10::List<double>({kMean}));
    module.register_attribute("std", c10::ListType::ofFloats(), c10::List<double>({kStd}));
    module.register_attribute("test_accuracy", c10::FloatType::get(), 0.0);
    module.register_attribute("train_seconds", c10::FloatType::get(), 0.0);
    module.define(kModelSource);
    return module;
}

// Images as N×1×28×28 float, normalised as the model's mean/std say; labels as N int64.
std::pair<torch::Tensor, torch::Tensor> loadSplit(const std::string& dir, const std::string& prefix) {
    const std::string imagesPath = dir + "/" + prefix + "-images-idx3-ubyte.gz";
    const std::string labelsPath = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
    if (!fs::exists(imagesPath))
        throw Error(imagesPath, "does not exist; install the Debian package dataset-fashion-mnist (installer/install-deps.sh)");
    data::IdxImages images = data::readIdxImages(imagesPath);
    std::vector<uint8_t> labels = data::readIdxLabels(labelsPath);
    if (images.rows != 28 || images.cols != 28) throw Error(imagesPath, "images are not 28×28; is this Fashion-MNIST?");
    if (int64_t(labels.size()) != images.count)
        throw Error(labelsPath, "has " + std::to_string(labels.size()) + " labels for " + std::to_string(images.count) + " images");
    torch::Tensor x = torch::from_blob(images.pixels.data(), {images.count, 1, 28, 28}, torch::kUInt8)
                          .to(torch::kFloat32)
                          .div_(255.0f)
                          .sub_(kMean)
                          .div_(kStd);
    torch::Tensor y = torch::from_blob(labels.data(), {int64_t(labels.size())}, torch::kUInt8).to(torch::kInt64);
    return {x, y};
}

double accuracy(torch::jit::Module& module, const torch::Tensor& x, const torch::Tensor& y) {
    torch::InferenceMode inference;
    int64_t correct = 0;
    for (int64_t start = 0; start < x.size(0); start += 1000) {
        const int64_t end = std::min<int64_t>(start + 1000, x.size(0));
        torch::Tensor logits = module.forward({x.slice(0, start, end)}).toTensor();
        correct += logits.argmax(1).eq(y.slice(0, start, end)).sum().item<int64_t>();
    }
    return double(correct) / double(x.size(0));
}

// What makes two trainings the same; a cache made with another recipe is not reused.
std::string recipeOf(const DemoVisionModelOptions& o) {
    return "epochs=" + std::to_string(o.epochs) + " batch=" + std::to_string(o.batchSize) + " lr=" +
           std::to_string(o.learningRate) + " seed=" + std::to_string(o.seed) + " limit=" + std::to_string(o.trainLimit);
}

bool readCache(const fs::path& modelPath, const fs::path& metadataPath, const std::string& recipe, DemoVisionModel& out) {
    std::error_code ec;
    if (!fs::is_regular_file(modelPath, ec) || !fs::is_regular_file(metadataPath, ec)) return false;
    try {
        std::ifstream in(metadataPath);
        nlohmann::json metadata = nlohmann::json::parse(in);
        if (metadata.value("recipe", "") != recipe) return false;
        // A cache the model file does not match (e.g. half-copied) is retrained, not trusted.
        torch::jit::Module module = torch::jit::load(modelPath.string());
        if (!module.hasattr("probe_points") || !module.hasattr("test_accuracy")) return false;
        // Caches written before the model declared activations_between are rebuilt (same seed,
        // same weights) so the demo's concept tree uses the parent coefficients.
        if (!module.find_method("activations_between")) return false;
        out.testAccuracy = metadata.at("test_accuracy").get<double>();
        out.trainSeconds = metadata.at("train_seconds").get<double>();
        out.epochs = metadata.at("epochs").get<int>();
        out.threads = metadata.value("threads", 0);
        return std::abs(module.attr("test_accuracy").toDouble() - out.testAccuracy) < 1e-9;
    } catch (const std::exception&) {
        return false;
    }
}

using ReportFunction = std::function<void(const std::string& stage, double fraction, const std::string& message)>;

// Adam on the training images in a fresh random order each epoch (LibTorch's global generator,
// seeded by the caller), the last fifth of the batches at a tenth of the rate: a cheap step
// decay that settles the weights. Returns the training wall time in seconds.
double trainModule(torch::jit::Module& module, const torch::Tensor& trainX, const torch::Tensor& trainY,
                   const DemoVisionModelOptions& options, const ReportFunction& report,
                   const std::shared_ptr<const jobs::CancelToken>& cancel) {
    module.train();
    std::vector<torch::Tensor> parameters;
    for (const auto& p : module.parameters()) parameters.push_back(p);
    torch::optim::Adam optimiser(parameters, torch::optim::AdamOptions(options.learningRate));
    const int64_t n = trainX.size(0);
    const int64_t batchesPerEpoch = (n + options.batchSize - 1) / options.batchSize;
    const int64_t totalBatches = batchesPerEpoch * options.epochs;
    const auto start = std::chrono::steady_clock::now();
    int64_t done = 0;
    const int64_t decayAt = totalBatches - totalBatches / 5;
    for (int epoch = 0; epoch < options.epochs; ++epoch) {
        torch::Tensor order = torch::randperm(n, torch::kInt64);
        double lossSum = 0.0;
        for (int64_t b = 0; b < batchesPerEpoch; ++b, ++done) {
            if (cancel) cancel->throwIfCancelled();
            if (done == decayAt)
                for (auto& group : optimiser.param_groups())
                    static_cast<torch::optim::AdamOptions&>(group.options()).lr(options.learningRate * 0.1);
            torch::Tensor index = order.slice(0, b * options.batchSize, std::min(n, (b + 1) * options.batchSize));
            torch::Tensor logits = module.forward({trainX.index_select(0, index)}).toTensor();
            torch::Tensor loss = torch::nn::functional::cross_entropy(logits, trainY.index_select(0, index));
            optimiser.zero_grad();
            loss.backward();
            optimiser.step();
            lossSum += loss.item<double>();
            if (b % 20 == 0)
                report("train-demo-model", 0.95 * double(done) / double(totalBatches),
                       "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(options.epochs) + ", loss " +
                           std::to_string(lossSum / double(b + 1)));
        }
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// What the cache's .json says about the model; readCache trusts a model only with it.
nlohmann::json cacheMetadata(const DemoVisionModelOptions& options, const DemoVisionModel& result, int64_t trainImages) {
    return nlohmann::json{{"model", kModelFile},
                          {"dataset", "Fashion-MNIST (" + options.datasetDir + ")"},
                          {"architecture", "conv16-pool-relu, conv32-pool-relu, conv64-relu, linear(3136,10)"},
                          {"test_accuracy", result.testAccuracy},
                          {"train_seconds", result.trainSeconds},
                          {"epochs", options.epochs},
                          {"batch_size", options.batchSize},
                          {"learning_rate", options.learningRate},
                          {"seed", options.seed},
                          {"train_images", trainImages},
                          {"recipe", recipeOf(options)},
                          {"threads", result.threads}};
}

// Atomic: a cancelled or crashed run never leaves a half-written model that looks cached.
void saveToCache(torch::jit::Module& module, const nlohmann::json& metadata, const fs::path& modelPath,
                 const fs::path& metadataPath) {
    const fs::path tmpModel = modelPath.string() + ".tmp", tmpMetadata = metadataPath.string() + ".tmp";
    try {
        module.save(tmpModel.string());
    } catch (const std::exception& e) {
        throw Error(tmpModel.string(), std::string("cannot be written: ") + e.what());
    }
    {
        std::ofstream out(tmpMetadata);
        out << metadata.dump(2) << "\n";
        if (!out) throw Error(tmpMetadata.string(), "cannot be written");
    }
    std::error_code ec;
    fs::rename(tmpModel, modelPath, ec);
    if (!ec) fs::rename(tmpMetadata, metadataPath, ec);
    if (ec) throw Error(modelPath.string(), "cannot be moved into place: " + ec.message());
}

}  // namespace

const std::vector<std::string>& fashionMnistClassNames() {
    static const std::vector<std::string> names{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return names;
}

DemoVisionModel ensureDemoVisionModel(const std::string& cacheDir, const jobs::ProgressCallback& progress,
                                      std::shared_ptr<const jobs::CancelToken> cancel) {
    DemoVisionModelOptions options;
    options.cacheDir = cacheDir;
    return ensureDemoVisionModel(options, progress, std::move(cancel));
}

bool demoVisionModelCached(const std::string& cacheDir) {
    DemoVisionModelOptions options;
    options.cacheDir = cacheDir;
    DemoVisionModel unused;
    const fs::path cache(cacheDir);
    return readCache(cache / kModelFile, cache / kMetadataFile, recipeOf(options), unused);
}

DemoVisionModel ensureDemoVisionModel(const DemoVisionModelOptions& options, const jobs::ProgressCallback& progress,
                                      std::shared_ptr<const jobs::CancelToken> cancel) {
    if (options.cacheDir.empty()) throw Error("", "the demo model needs a cache folder");
    if (options.epochs <= 0 || options.batchSize <= 0) throw Error(options.cacheDir, "epochs and batch size must be positive");
    const ReportFunction report = [&](const std::string& stage, double fraction, const std::string& message) {
        if (progress) progress(jobs::Progress{stage, fraction, message});
    };
    const fs::path cache(options.cacheDir);
    const fs::path modelPath = cache / kModelFile, metadataPath = cache / kMetadataFile;
    DemoVisionModel result;
    result.path = modelPath.string();
    result.testImagesPath = options.datasetDir + "/t10k-images-idx3-ubyte.gz";
    if (!options.forceRetrain && readCache(modelPath, metadataPath, recipeOf(options), result)) {
        result.fromCache = true;
        return result;
    }
    std::error_code ec;
    fs::create_directories(cache, ec);
    if (ec) throw Error(options.cacheDir, "cannot create the cache folder: " + ec.message());

    report("train-demo-model", 0.0, "reading Fashion-MNIST");
    auto [trainX, trainY] = loadSplit(options.datasetDir, "train");
    auto [testX, testY] = loadSplit(options.datasetDir, "t10k");
    if (options.trainLimit > 0 && options.trainLimit < trainX.size(0)) {
        trainX = trainX.slice(0, 0, options.trainLimit);
        trainY = trainY.slice(0, 0, options.trainLimit);
    }

    // Training needs autograd even when the caller runs under a no-grad or inference guard.
    torch::AutoGradMode gradMode(true);
    torch::manual_seed(options.seed);
    torch::jit::Module module = buildModule();
    // Intra-op threads = cores, as on the engine thread (docs/architecture.md); LibTorch may start at 1.
    const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
    if (torch::get_num_threads() < cores) torch::set_num_threads(cores);
    result.threads = torch::get_num_threads();
    result.trainSeconds = trainModule(module, trainX, trainY, options, report, cancel);
    result.epochs = options.epochs;

    report("evaluate-demo-model", 0.96, "measuring test accuracy");
    module.eval();
    for (const auto& p : module.parameters()) p.requires_grad_(false);
    result.testAccuracy = accuracy(module, testX, testY);
    module.setattr("test_accuracy", result.testAccuracy);
    module.setattr("train_seconds", result.trainSeconds);
    saveToCache(module, cacheMetadata(options, result, trainX.size(0)), modelPath, metadataPath);
    report("evaluate-demo-model", 1.0,
           "test accuracy " + std::to_string(result.testAccuracy) + ", trained in " + std::to_string(result.trainSeconds) + " s");
    return result;
}

}  // namespace cs::demo
