#pragma once
// A tiny two-stage conv net split at two probe points, standing in for a real model so the
// CRAFT engine tests need only LibTorch: "block1" = relu(conv1(x)), "block2" = relu(conv2(block1));
// logits = fc(spatial mean of block2). Deterministic weights from a seed; works in float32 or
// float64 (the finite-difference test uses float64).
#include "craft/craft_engine.h"
#include "model/model_adapter.h"

#include "common/error.h"

#include <torch/torch.h>

namespace cs::craft::test {

struct TinyNet : torch::nn::Module {
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
    torch::nn::Linear fc{nullptr};
    TinyNet(int64_t channels, int64_t classes) {
        conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, 8, 3).stride(2).padding(1)));
        conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(8, 16, 3).stride(2).padding(1)));
        fc = register_module("fc", torch::nn::Linear(16, classes));
    }
};

class TinyVisionModel : public cs::model::VisionModel, public cs::craft::LayerBridge {
public:
    enum class Quirk { None, NoRelu, NaN };

    explicit TinyVisionModel(int64_t channels = 3, int64_t size = 32, int64_t classes = 4, uint64_t seed = 0, Quirk quirk = Quirk::None)
        : quirk_(quirk) {
        torch::manual_seed(seed);
        net_ = std::make_shared<TinyNet>(channels, classes);
        net_->eval();
        info_.path = "tiny.pt";
        info_.adapter = "test";
        info_.kind = cs::model::ModelKind::Vision;
        info_.probePoints = {"block1", "block2"};
        info_.inputSize = {channels, size, size};
        for (int64_t c = 0; c < classes; ++c) info_.classNames.push_back("class" + std::to_string(c));
    }
    const cs::model::ModelInfo& info() const override { return info_; }
    void toDouble() { net_->to(torch::kFloat64); }

    at::Tensor activations(const at::Tensor& x, const std::string& layer) override {
        ++activationCalls;
        at::Tensor a = net_->conv1(x.to(dtype()));
        a = quirk_ == Quirk::NoRelu ? a : torch::relu(a);
        if (layer == "block1") return finish(a);
        if (layer != "block2") throw cs::Error("tiny.pt", "the model has no probe point '" + layer + "'");
        a = net_->conv2(a);
        return finish(quirk_ == Quirk::NoRelu ? a : torch::relu(a));
    }
    at::Tensor logitsFrom(const at::Tensor& a, const std::string& layer) override {
        ++logitCalls;
        at::Tensor b = a.to(dtype());
        if (layer == "block1") b = torch::relu(net_->conv2(b));
        else if (layer != "block2") throw cs::Error("tiny.pt", "the model has no probe point '" + layer + "'");
        return net_->fc(b.mean({2, 3}));
    }
    at::Tensor logits(const at::Tensor& x) override { return logitsFrom(activations(x, "block2"), "block2"); }
    at::Tensor activationsBetween(const at::Tensor& a, const std::string& from, const std::string& to) override {
        if (from != "block1" || to != "block2") throw cs::Error("tiny.pt", "no bridge from " + from + " to " + to);
        return torch::relu(net_->conv2(a.to(dtype())));
    }

    int activationCalls = 0, logitCalls = 0;

private:
    torch::Dtype dtype() const { return net_->fc->weight.scalar_type(); }
    at::Tensor finish(at::Tensor a) {
        if (quirk_ == Quirk::NaN) a = a / torch::zeros_like(a);
        return a;
    }
    std::shared_ptr<TinyNet> net_;
    cs::model::ModelInfo info_;
    Quirk quirk_;
};

// A few smooth, structured images: blobs and stripes so crops differ.
// Options small enough for TinyVisionModel on a few 32×32 images: 3 concepts of 16-pixel patches
// at block2, 8 Sobol designs, maps for 2 images, 3 random orders.
inline CraftOptions smallCraftOptions() {
    CraftOptions o;
    o.layer = "block2";
    o.classIndex = 1;
    o.concepts = 3;
    o.patchSize = 16;
    o.sobolDesigns = 8;
    o.mapImages = 2;
    o.mapConcepts = 2;
    o.randomOrders = 3;
    return o;
}

inline at::Tensor makeImages(int64_t n, int64_t channels, int64_t height, int64_t width, uint64_t seed = 1) {
    torch::manual_seed(seed);
    auto ys = torch::linspace(0, 1, height).view({1, 1, height, 1});
    auto xs = torch::linspace(0, 1, width).view({1, 1, 1, width});
    at::Tensor images = torch::zeros({n, channels, height, width});
    for (int64_t i = 0; i < n; ++i) {
        auto f = torch::rand({channels, 4}) * 6 + 1;
        for (int64_t c = 0; c < channels; ++c) {
            images[i][c] = (torch::sin(ys * f[c][0].item<double>() * 3.14 + xs * f[c][1].item<double>()) *
                            torch::cos(xs * f[c][2].item<double>() * 3.14 - ys * f[c][3].item<double>()))
                               .squeeze();
        }
    }
    return images;
}

}  // namespace cs::craft::test
