// Any TorchScript model split at a layer (core/model/graph_split_model.h): the layer tree against
// PyTorch's own forward hooks, g and h against PyTorch's own tensors, the refusal of a cut across a
// skip connection, token layers, and files this LibTorch cannot run. Unmodified torchvision
// models with random weights, exported by make_graph_fixtures.py.
#include "model_fixtures.h"

#include "common/error.h"
#include "model/graph_split_model.h"
#include "model/model_loader.h"
#include "model/torchscript_support.h"

#include <nlohmann/json.hpp>
#include <torch/script.h>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace {

using namespace cs::model;
using cs::test::maxAbsDiff;

std::string graphFixture(const std::string& name) {
    static const std::string dir = cs::test::exportOnce(CS_GRAPH_FIXTURE_SCRIPT, "graph-fixtures");
    return dir + "/" + name;
}

nlohmann::json hooked(const std::string& model) {
    std::ifstream in(graphFixture(model + ".shapes.json"));
    return nlohmann::json::parse(in);
}

at::Tensor reference(const std::string& model, const std::string& tensor) {
    return torch::jit::load(graphFixture(model + ".ref.pt")).attr(tensor).toTensor();
}

std::string optionsFor(const std::string& model, bool freeze) {
    const nlohmann::json shapes = hooked(model);
    return nlohmann::json{{"input_size", shapes["input_size"]}, {"layers", {shapes["layer"]}}, {"freeze", freeze}}.dump();
}

const LayerDescription& layerNamed(const ModelLayers& layers, const std::string& name) {
    for (const auto& layer : layers.layers)
        if (layer.name == name) return layer;
    throw std::runtime_error("no layer " + name);
}

std::string loadError(const std::string& path, const std::string& options) {
    try {
        loadGraphSplitModel(path, options);
    } catch (const cs::Error& e) {
        return e.what();
    }
    return "loaded";
}

class EveryModel : public ::testing::TestWithParam<std::string> {};

// Every submodule is listed, and each output shape is the one PyTorch's forward hook saw.
TEST_P(EveryModel, LayerTreeHasPyTorchsShapes) {
    const std::string model = GetParam();
    const nlohmann::json expected = hooked(model);
    const ModelLayers layers = describeLayers(graphFixture(model + ".pt"), expected["input_size"].get<std::vector<int64_t>>());
    EXPECT_EQ(layers.inputSizeSource, "--input-size");
    torch::jit::Module module = torch::jit::load(graphFixture(model + ".pt"));
    size_t submodules = 0;
    for (const auto& item : module.named_modules()) submodules += item.name.empty() ? 0 : 1;
    EXPECT_EQ(layers.layers.size(), submodules);
    int compared = 0, cuttable = 0;
    for (const auto& layer : layers.layers) {
        cuttable += layer.cuttable;
        EXPECT_EQ(layer.cuttable, layer.reason.empty()) << layer.name << ": " << layer.reason;
        if (!expected["shapes"].contains(layer.name)) continue;
        const auto shape = expected["shapes"][layer.name].get<std::vector<int64_t>>();
        if (layer.cuttable) EXPECT_EQ(layer.shape, shape) << model << " " << layer.name;
        else if (!layer.shape.empty()) EXPECT_EQ(layer.shape, shape) << model << " " << layer.name;
        ++compared;
    }
    EXPECT_GT(compared, 10);
    EXPECT_GT(cuttable, 5);
    const LayerDescription& cut = layerNamed(layers, expected["layer"].get<std::string>());
    EXPECT_TRUE(cut.cuttable) << cut.reason;
}

// At the last stage, g gives PyTorch's own layer output and h(g(x)) PyTorch's own model output
// (the loader checks h(g(x)) = model(x) itself; this checks against PyTorch, not against LibTorch).
TEST_P(EveryModel, SplitAtTheLastStageReproducesPyTorch) {
    const std::string model = GetParam();
    const std::string layer = hooked(model)["layer"].get<std::string>();
    for (bool freeze : {false, true}) {
        auto vision = loadGraphSplitModel(graphFixture(model + ".pt"), optionsFor(model, freeze));
        const auto* notes = dynamic_cast<const LoadNotes*>(vision.get());
        ASSERT_NE(notes, nullptr);
        std::string all;
        for (const auto& note : notes->loadNotes()) all += note + "\n";
        EXPECT_NE(all.find("split at " + layer + ": h(g(x)) = model(x)"), std::string::npos) << all;
        EXPECT_NE(all.find("ImageNet's mean"), std::string::npos) << all;  // the default, told

        torch::NoGradGuard noGrad;
        const at::Tensor x = reference(model, "input");
        const at::Tensor a = vision->activations(x, layer);
        at::Tensor expectedA = reference(model, "layer");
        if (expectedA.dim() == 3) {  // tokens N×T×D: the patch tokens as an N×D×g×g grid
            const int64_t grid = static_cast<int64_t>(std::sqrt(double(expectedA.size(1) - 1)));
            expectedA = expectedA.narrow(1, 1, grid * grid).transpose(1, 2).reshape({x.size(0), expectedA.size(2), grid, grid});
        }
        ASSERT_EQ(a.sizes(), expectedA.sizes()) << model;
        EXPECT_LT(maxAbsDiff(a, expectedA), 1e-4) << model << " freeze " << freeze;
        if (reference(model, "layer").dim() == 4) {
            EXPECT_LT(maxAbsDiff(vision->logitsFrom(a, layer), reference(model, "output")), 1e-4) << model << " freeze " << freeze;
        }
        EXPECT_LT(maxAbsDiff(vision->logits(x), reference(model, "output")), 1e-4) << model;
    }
}

INSTANTIATE_TEST_SUITE_P(Torchvision, EveryModel,
                         ::testing::Values("resnet18_scripted", "resnet18_traced", "mobilenet_v2_scripted", "vit_tiny_scripted"));

// A scripted and a traced export of the same network give the same tree.
TEST(LayerTree, ScriptedAndTracedAgree) {
    const ModelLayers scripted = describeLayers(graphFixture("resnet18_scripted.pt"), {3, 64, 64});
    const ModelLayers traced = describeLayers(graphFixture("resnet18_traced.pt"), {3, 64, 64});
    ASSERT_EQ(scripted.layers.size(), traced.layers.size());
    for (size_t i = 0; i < scripted.layers.size(); ++i) {
        EXPECT_EQ(scripted.layers[i].name, traced.layers[i].name);
        EXPECT_EQ(scripted.layers[i].cuttable, traced.layers[i].cuttable) << scripted.layers[i].name;
    }
    EXPECT_EQ(scripted.outputShape, std::vector<int64_t>{10});
}

// Inside a residual block every value is crossed by the block's input (the skip connection): the
// refusal names the value, where it comes from, and the nearest layers where a cut works.
TEST(LayerTree, CutAcrossASkipConnectionIsRefusedWithTheValues) {
    const ModelLayers layers = describeLayers(graphFixture("resnet18_scripted.pt"), {3, 64, 64});
    const LayerDescription& bn2 = layerNamed(layers, "layer4.1.bn2");
    EXPECT_FALSE(bn2.cuttable);
    EXPECT_NE(bn2.reason.find("skip connection"), std::string::npos) << bn2.reason;
    EXPECT_NE(bn2.reason.find("(output of layer4.0"), std::string::npos) << bn2.reason;
    EXPECT_NE(bn2.reason.find("used by aten::add_"), std::string::npos) << bn2.reason;
    EXPECT_NE(bn2.reason.find("nearest layers where a cut works: layer4.0 (before), layer4.1 (after)"), std::string::npos) << bn2.reason;
    // A module called twice (BasicBlock's relu) has no single output.
    EXPECT_NE(layerNamed(layers, "layer1.0.relu").reason.find("calls it 2 times"), std::string::npos);
    EXPECT_TRUE(layerNamed(layers, "layer4.1").cuttable);
    EXPECT_TRUE(layerNamed(layers, "avgpool").cuttable);

    // The same refusal when the split is asked for, and for a transformer block's inside.
    const std::string refused = loadError(graphFixture("resnet18_traced.pt"), R"({"input_size": [3, 64, 64], "layers": ["layer4.1.bn2"]})");
    EXPECT_NE(refused.find("cannot be cut at 'layer4.1.bn2'"), std::string::npos) << refused;
    EXPECT_NE(refused.find("(output of layer4.0"), std::string::npos) << refused;
    const ModelLayers vit = describeLayers(graphFixture("vit_tiny_scripted.pt"), {3, 32, 32});
    const LayerDescription& ln2 = layerNamed(vit, "encoder.layers.encoder_layer_1.ln_2");
    EXPECT_FALSE(ln2.cuttable);
    EXPECT_NE(ln2.reason.find("skip connection"), std::string::npos) << ln2.reason;
}

TEST(LayerTree, ModelsInputSizeAndDefaultsAreTold) {
    // The ViT asserts its image size: the default 3×224×224 probe fails with a hint, not a trace.
    try {
        describeLayers(graphFixture("vit_tiny_scripted.pt"));
        FAIL() << "a 224×224 probe of a 32×32 ViT succeeded";
    } catch (const cs::Error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("the probe call on an input of shape [2, 3, 224, 224] failed"), std::string::npos) << message;
        EXPECT_NE(message.find("--input-size"), std::string::npos) << message;
        EXPECT_EQ(message.find("Exception raised from"), std::string::npos) << message;
    }
    auto vision = loadGraphSplitModel(graphFixture("resnet18_scripted.pt"), "");
    const auto notes = dynamic_cast<const LoadNotes&>(*vision).loadNotes();
    ASSERT_FALSE(notes.empty());
    EXPECT_NE(notes[0].find("input size 3×224×224 from the default"), std::string::npos) << notes[0];
    EXPECT_EQ(vision->info().mean, imagenetMean());
    EXPECT_EQ(vision->info().adapter, kGraphSplitAdapterName);
    const std::string unknown = loadError(graphFixture("resnet18_scripted.pt"), R"({"layers": ["nope"]})");
    EXPECT_NE(unknown.find("has no layer 'nope' (layers where a cut works include: conv1"), std::string::npos) << unknown;
}

TEST(LayerTree, TokenLayerIsAPatchGrid) {
    auto vision = loadGraphSplitModel(graphFixture("vit_tiny_scripted.pt"), optionsFor("vit_tiny_scripted", true));
    const std::string layer = "encoder.layers.encoder_layer_1";
    torch::NoGradGuard noGrad;
    const at::Tensor a = vision->activations(reference("vit_tiny_scripted", "input"), layer);
    EXPECT_EQ(a.sizes(), (std::vector<int64_t>{2, 32, 4, 4}));
    // h gets the class token as the patch-token mean: a constant grid gives that constant everywhere.
    const at::Tensor constant = torch::ones({1, 32, 4, 4});
    EXPECT_EQ(vision->logitsFrom(constant, layer).sizes(), (std::vector<int64_t>{1, 10}));
    std::string all;
    for (const auto& note : dynamic_cast<const LoadNotes&>(*vision).loadNotes()) all += note;
    EXPECT_NE(all.find("a 4×4 patch grid after 1 class token(s)"), std::string::npos) << all;
}

// A file written by PyTorch >= 2.0 with its attention operator: the operator is named, with what to do.
TEST(LayerTree, UnknownOperatorIsNamed) {
    try {
        loadTorchScriptFile(graphFixture("unknown_operator.pt"));
        FAIL() << "loaded a file with an unknown operator";
    } catch (const cs::Error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("uses the operator aten::scaled_dot_product_attention, which this LibTorch"), std::string::npos) << message;
        EXPECT_NE(message.find("need_weights=True"), std::string::npos) << message;
        EXPECT_EQ(message.find("Exception raised from"), std::string::npos) << message;
    }
}

// The loader: a plain module goes to the graph split unless a convention or a plugin applies
// (the torchvision plugin, when found, still takes ResNets and MobileNetV2s); a recommender is
// never looked for there.
TEST(LayerTree, LoaderFallsBackToTheGraphSplit) {
    LoadOptions options;
    options.optionsJson = R"({"input_size": [3, 32, 32]})";
    auto model = loadVisionModel(graphFixture("vit_tiny_scripted.pt"), options);
    EXPECT_EQ(model->info().adapter, kGraphSplitAdapterName);
    EXPECT_NE(std::find(model->info().probePoints.begin(), model->info().probePoints.end(), "encoder.layers.encoder_layer_0"),
              model->info().probePoints.end());
    try {
        loadRecommender(graphFixture("vit_tiny_scripted.pt"), options);
        FAIL() << "a ViT loaded as a recommender";
    } catch (const cs::Error& e) {
        EXPECT_NE(std::string(e.what()).find("follows no built-in convention and no plugin accepts it"), std::string::npos) << e.what();
    }
}

}  // namespace
