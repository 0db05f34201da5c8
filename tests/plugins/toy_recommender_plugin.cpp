// Test plugin: a sequential-recommender adapter ("toy-recommender") for a model format that is
// not TorchScript at all, so RecSAE can only reach it through cs_model's plugin path.
//
// A .toyrec file is text:
//     toy-recommender v1
//     num_items 60
//     dim 8
//     seed 3
//     [score_dim 12]        optional: score() expects states of this width (a mismatching model)
// The item table E ((num_items+1) × dim, row 0 = padding) is a deterministic function of the
// seed; encode = tanh of the recency-weighted mean of the sequence's item rows, score = state Eᵀ.
#include "plugin_sdk/concept_studio_sdk.h"

#include <torch/torch.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace {

const char* kMagic = "toy-recommender v1";

class ToyRecommender final : public cs::model::SequentialRecommender {
public:
    explicit ToyRecommender(const std::string& path) {
        std::ifstream in(path);
        std::string line;
        if (!std::getline(in, line) || line != kMagic) throw cs::Error(path, "is not a toy-recommender file");
        int64_t dim = 0, seed = 0, scoreDim = 0;
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string key;
            int64_t value = 0;
            if (!(fields >> key)) continue;
            if (!(fields >> value)) throw cs::Error(path, "line '" + line + "' has no integer value");
            if (key == "num_items") info_.numItems = value;
            else if (key == "dim") dim = value;
            else if (key == "seed") seed = value;
            else if (key == "score_dim") scoreDim = value;
            else throw cs::Error(path, "unknown key '" + key + "'");
        }
        if (info_.numItems <= 0 || dim <= 0) throw cs::Error(path, "num_items and dim must be positive");
        auto i = torch::arange(info_.numItems + 1, torch::kFloat32).unsqueeze(1);
        auto j = torch::arange(dim, torch::kFloat32).unsqueeze(0);
        items_ = torch::sin(0.37f * i * (j + 1.0f) + float(seed)) + 0.5f * torch::cos(1.3f * i + 0.7f * j * float(seed + 1));
        items_[0].zero_();
        scoreTable_ = scoreDim > 0 ? torch::ones({info_.numItems + 1, scoreDim}) : items_;
        info_.path = path;
        info_.adapter = "toy-recommender";
        info_.kind = cs::model::ModelKind::SequentialRecommender;
        info_.probePoints = {"state"};
    }

    const cs::model::ModelInfo& info() const override { return info_; }

    at::Tensor encode(const at::Tensor& itemSeq) override {
        auto rows = items_.index_select(0, itemSeq.reshape({-1})).view({itemSeq.size(0), itemSeq.size(1), -1});
        auto weights = (itemSeq > 0).to(torch::kFloat32) * torch::linspace(0.2, 1.0, itemSeq.size(1)).unsqueeze(0);
        auto sum = (rows * weights.unsqueeze(2)).sum(1);
        return torch::tanh(sum / weights.sum(1, true).clamp_min(1e-6));
    }

    at::Tensor score(const at::Tensor& state) override { return torch::matmul(state, scoreTable_.t()); }

private:
    cs::model::ModelInfo info_;
    torch::Tensor items_, scoreTable_;
};

int acceptsToy(const char* modelPath) {
    std::ifstream in(modelPath);
    std::string line;
    return std::getline(in, line) && line == kMagic ? 1 : 0;
}

void* createToy(const char* modelPath, const char*, char* err, size_t errSize) {
    try {
        return static_cast<cs::model::ModelAdapter*>(new ToyRecommender(modelPath));
    } catch (const cs::Error& e) {
        std::snprintf(err, errSize, "%s", e.problem().c_str());
    } catch (const std::exception& e) {
        std::snprintf(err, errSize, "%s", e.what());
    }
    return nullptr;
}

const CsAdapterFactory kAdapters[] = {
    {"toy-recommender", "sequential-recommender", "test: a text-described recommender (not TorchScript)", acceptsToy,
     createToy},
};

const CsPluginDescriptor kDescriptor = {
    CS_PLUGIN_ABI_VERSION, "toy-recommender", "0.1.0", "test plugin: a sequential-recommender adapter", 1, kAdapters,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const CsPluginDescriptor* concept_studio_plugin() { return &kDescriptor; }
