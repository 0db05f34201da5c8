// The built-in TorchScript conventions against PyTorch's own outputs, and every way a model file
// can fail to fit (corrupt or truncated .pt, missing methods, wrong output shapes).
#include "model_fixtures.h"

#include "common/error.h"
#include "model/model_loader.h"
#include "model/torchscript_models.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

namespace cs::model {
namespace {

using test::fixture;
using test::maxAbsDiff;
using test::reference;

// The message of the cs::Error that loading `name` throws (fails the test if none is thrown).
std::string loadError(const std::string& path, const LoadOptions& options = {}) {
    try {
        loadModel(path, options);
    } catch (const cs::Error& e) {
        EXPECT_EQ(e.subject(), path) << e.what();
        return e.problem();
    }
    ADD_FAILURE() << path << " loaded although it should not";
    return {};
}

TEST(SplitConvention, ResNet18ActivationsAndLogitsMatchPyTorch) {
    auto model = loadVisionModel(fixture("split_resnet18.pt"));
    const ModelInfo& info = model->info();
    EXPECT_EQ(info.adapter, kSplitAdapterName);
    EXPECT_EQ(info.probePoints, (std::vector<std::string>{"layer3", "layer4"}));
    EXPECT_EQ(info.inputSize, (std::vector<int64_t>{3, 64, 64}));
    ASSERT_EQ(info.classNames.size(), 10u);
    EXPECT_EQ(info.classNames[3], "class3");
    ASSERT_EQ(info.mean.size(), 3u);
    EXPECT_FLOAT_EQ(info.std[2], 0.225f);
    EXPECT_EQ(info.sha256, sha256File(fixture("split_resnet18.pt")));
    EXPECT_EQ(info.sha256.size(), 64u);

    torch::NoGradGuard noGrad;
    const at::Tensor x = reference("split_resnet18", "x");
    for (const std::string layer : {"layer3", "layer4"}) {
        at::Tensor a = model->activations(x, layer);
        at::Tensor expected = reference("split_resnet18", layer);
        ASSERT_EQ(a.sizes(), expected.sizes()) << layer;
        EXPECT_TRUE(torch::allclose(a, expected, 1e-4, 1e-4)) << layer << " max diff " << maxAbsDiff(a, expected);
        at::Tensor logits = model->logitsFrom(a, layer);
        at::Tensor expectedLogits = reference("split_resnet18", "logits");
        EXPECT_TRUE(torch::allclose(logits, expectedLogits, 1e-4, 1e-4))
            << layer << " max diff " << maxAbsDiff(logits, expectedLogits);
    }
    at::Tensor logits = model->logits(x);
    EXPECT_TRUE(torch::allclose(logits, reference("split_resnet18", "logits"), 1e-4, 1e-4));
}

TEST(SplitConvention, AutogradFlowsThroughActivationsToTheInput) {
    // CRAFT's implicit-differentiation maps need d(activations)/dx: the adapter must not force no-grad.
    auto model = loadVisionModel(fixture("split_resnet18.pt"));
    at::Tensor x = reference("split_resnet18", "x").clone().requires_grad_(true);
    at::Tensor a = model->activations(x, "layer4");
    a.sum().backward();
    ASSERT_TRUE(x.grad().defined());
    EXPECT_GT(x.grad().abs().sum().item<double>(), 0.0);
}

TEST(SplitConvention, FrozenModuleGivesTheSameOutputs) {
    LoadOptions options;
    options.optionsJson = R"({"freeze": true})";
    auto model = loadVisionModel(fixture("split_resnet18.pt"), options);
    torch::NoGradGuard noGrad;
    at::Tensor a = model->activations(reference("split_resnet18", "x"), "layer3");
    EXPECT_TRUE(torch::allclose(a, reference("split_resnet18", "layer3"), 1e-4, 1e-4));
    at::Tensor logits = model->logitsFrom(a, "layer3");
    EXPECT_TRUE(torch::allclose(logits, reference("split_resnet18", "logits"), 1e-4, 1e-4));
}

TEST(SplitConvention, FrozenModuleStillDifferentiates) {
    // A frozen module also gets a oneDNN-optimised copy for float32 inference; inputs that need a
    // gradient (implicit-differentiation maps) must go to the autograd-capable frozen module and
    // give the same values.
    LoadOptions options;
    options.optionsJson = R"({"freeze": true})";
    auto model = loadVisionModel(fixture("split_resnet18.pt"), options);
    at::Tensor x = reference("split_resnet18", "x").clone().requires_grad_(true);
    at::Tensor a = model->activations(x, "layer3");
    EXPECT_TRUE(torch::allclose(a.detach(), reference("split_resnet18", "layer3"), 1e-4, 1e-4));
    a.sum().backward();
    ASSERT_TRUE(x.grad().defined());
    EXPECT_GT(x.grad().abs().sum().item<double>(), 0.0);
}

TEST(SplitConvention, OptionalActivationsBetweenBridgesProbePoints) {
    for (const char* options : {"", R"({"freeze": true})"}) {
        LoadOptions load;
        load.optionsJson = options;
        auto model = loadVisionModel(fixture("split_resnet18.pt"), load);
        auto* bridge = dynamic_cast<cs::model::LayerBridge*>(model.get());
        ASSERT_NE(bridge, nullptr) << "the fixture declares activations_between";
        torch::NoGradGuard noGrad;
        at::Tensor layer4 = bridge->activationsBetween(reference("split_resnet18", "layer3"), "layer3", "layer4");
        EXPECT_TRUE(torch::allclose(layer4, reference("split_resnet18", "layer4"), 1e-4, 1e-4)) << options;
        try {
            bridge->activationsBetween(reference("split_resnet18", "layer4"), "layer4", "layer3");
            FAIL() << "no error for a backwards bridge";
        } catch (const cs::Error& e) {
            EXPECT_NE(std::string(e.what()).find("the first earlier than the second"), std::string::npos) << e.what();
        }
    }
}

TEST(SplitConvention, UnknownLayerNamesTheProbePoints) {
    auto model = loadVisionModel(fixture("split_resnet18.pt"));
    try {
        model->activations(reference("split_resnet18", "x"), "layer2");
        FAIL() << "no error for an unknown layer";
    } catch (const cs::Error& e) {
        EXPECT_NE(std::string(e.what()).find("'layer2' is not a probe point"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("layer3, layer4"), std::string::npos) << e.what();
    }
}

TEST(SplitConvention, OptionsOverrideDeclaredPreprocessing) {
    LoadOptions options;
    options.optionsJson = R"({"mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]})";
    auto model = loadVisionModel(fixture("split_resnet18.pt"), options);
    EXPECT_EQ(model->info().mean, (std::vector<float>{0.5f, 0.5f, 0.5f}));
    options.optionsJson = "{not json";
    EXPECT_NE(loadError(fixture("split_resnet18.pt"), options).find("not valid JSON"), std::string::npos);
}

TEST(RecommenderConvention, EncodeAndScoreMatchPyTorch) {
    auto model = loadRecommender(fixture("recommender.pt"));
    EXPECT_EQ(model->info().adapter, kRecommenderAdapterName);
    EXPECT_EQ(model->info().numItems, 50);
    torch::NoGradGuard noGrad;
    at::Tensor state = model->encode(reference("recommender", "seq"));
    EXPECT_TRUE(torch::allclose(state, reference("recommender", "state"), 1e-4, 1e-4))
        << maxAbsDiff(state, reference("recommender", "state"));
    at::Tensor scores = model->score(state);
    EXPECT_EQ(scores.sizes(), (std::vector<int64_t>{4, 51}));
    EXPECT_TRUE(torch::allclose(scores, reference("recommender", "scores"), 1e-4, 1e-4));
}

TEST(Loader, AutoPicksTheConventionAndKindChecksHold) {
    EXPECT_EQ(detectConvention(fixture("split_resnet18.pt")), TorchScriptConvention::VisionSplit);
    EXPECT_EQ(detectConvention(fixture("recommender.pt")), TorchScriptConvention::SequentialRecommender);
    EXPECT_EQ(detectConvention(fixture("bad_only_forward.pt")), TorchScriptConvention::None);
    EXPECT_EQ(loadModel(fixture("recommender.pt"))->kind(), ModelKind::SequentialRecommender);
    try {
        loadVisionModel(fixture("recommender.pt"));
        FAIL();
    } catch (const cs::Error& e) {
        EXPECT_NE(std::string(e.what()).find("sequential-recommender model; a vision model was expected"), std::string::npos)
            << e.what();
    }
    LoadOptions options;
    options.adapter = "no-such-adapter";
    EXPECT_NE(loadError(fixture("split_resnet18.pt"), options).find("unknown adapter 'no-such-adapter'"), std::string::npos);
}

// --- bad model files: each names the file and the problem -------------------------------------

TEST(BadModels, MissingFileEmptyCorruptTruncatedAndStateDict) {
    EXPECT_NE(loadError(fixture("nope.pt")).find("does not exist"), std::string::npos);
    EXPECT_NE(loadError(fixture("empty.pt")).find("is empty (0 bytes)"), std::string::npos);
    EXPECT_NE(loadError(fixture("corrupt.pt")).find("corrupt or truncated"), std::string::npos);
    EXPECT_NE(loadError(fixture("truncated.pt")).find("corrupt or truncated"), std::string::npos);
    EXPECT_NE(loadError(fixture("state_dict.pt")).find("torch.save() archive, not TorchScript"), std::string::npos);
    // A text file: no ZIP header.
    const std::string text = std::string(CS_TEST_TMP) + "/not-a-model.pt";
    std::ofstream(text) << "hello\n";
    EXPECT_NE(loadError(text).find("no ZIP header"), std::string::npos);
}

TEST(BadModels, ModuleWithoutTheConventionsMethods) {
    // auto: no convention and no plugin accepts it → the message lists both conventions.
    std::string problem = loadError(fixture("bad_only_forward.pt"));
    EXPECT_NE(problem.find("follows no built-in convention"), std::string::npos) << problem;
    EXPECT_NE(problem.find("activations(x: Tensor, layer: str) -> Tensor"), std::string::npos) << problem;
    // Asked for the split convention explicitly → the first missing method with its signature.
    LoadOptions split;
    split.adapter = kSplitAdapterName;
    EXPECT_EQ(loadError(fixture("bad_only_forward.pt"), split),
              "method activations(x: Tensor, layer: str) -> Tensor is missing (the vision split-module convention; "
              "torch.jit.script keeps methods other than forward only when they are decorated with @torch.jit.export, "
              "see docs/models.md)");
    LoadOptions recommender;
    recommender.adapter = kRecommenderAdapterName;
    EXPECT_NE(loadError(fixture("bad_only_forward.pt"), recommender).find("method encode(item_seq: Tensor) -> Tensor is missing"),
              std::string::npos);
}

TEST(BadModels, WrongSignatureShowsActualAndExpected) {
    std::string problem = loadError(fixture("bad_layer_type.pt"));
    EXPECT_NE(problem.find("method activations has the signature activations(x: Tensor, layer: int) -> Tensor; expected "
                           "activations(x: Tensor, layer: str) -> Tensor"),
              std::string::npos)
        << problem;
}

TEST(BadModels, MissingAttributes) {
    EXPECT_NE(loadError(fixture("bad_no_probe_points.pt")).find("attribute probe_points: List[str] is missing"),
              std::string::npos);
    EXPECT_NE(loadError(fixture("bad_recommender_no_num_items.pt")).find("attribute num_items: int is missing"),
              std::string::npos);
}

TEST(BadModels, WrongOutputShapesAreFoundByTheProbeCall) {
    std::string problem = loadError(fixture("bad_activation_shape.pt"));
    EXPECT_NE(problem.find("activations(x, 'a') returned a tensor of shape [64]"), std::string::npos) << problem;
    EXPECT_NE(problem.find("expected N×C×H×W or N×C"), std::string::npos) << problem;
    problem = loadError(fixture("bad_class_count.pt"));
    EXPECT_NE(problem.find("returned 5 logits per image but class_names has 3 names"), std::string::npos) << problem;
    problem = loadError(fixture("bad_recommender_score.pt"));
    EXPECT_NE(problem.find("score(state) returned a tensor of shape [2, 25]"), std::string::npos) << problem;
    EXPECT_NE(problem.find("num_items = 10"), std::string::npos) << problem;
}

TEST(Sha256, KnownVectors) {
    const std::string empty = std::string(CS_TEST_TMP) + "/sha-empty.bin";
    std::ofstream(empty).close();
    EXPECT_EQ(sha256File(empty), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const std::string abc = std::string(CS_TEST_TMP) + "/sha-abc.bin";
    std::ofstream(abc) << "abc";
    EXPECT_EQ(sha256File(abc), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // Two blocks, crossing the 56-byte padding boundary.
    const std::string longer = std::string(CS_TEST_TMP) + "/sha-448.bin";
    std::ofstream(longer) << "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    EXPECT_EQ(sha256File(longer), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    // A million 'a' (FIPS 180-2's long vector), and three million: more than one 1 MiB read.
    const std::string million = std::string(CS_TEST_TMP) + "/sha-million.bin";
    std::ofstream(million) << std::string(1000000, 'a');
    EXPECT_EQ(sha256File(million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    const std::string threeMillion = std::string(CS_TEST_TMP) + "/sha-3million.bin";
    std::ofstream(threeMillion) << std::string(3000000, 'a');
    EXPECT_EQ(sha256File(threeMillion), "2a152c894398719c0570f83fac34ac03a0f6e8e474b995c2403aa5434f7b9dd4");
    EXPECT_THROW(sha256File(std::string(CS_TEST_TMP) + "/no-such-file"), cs::Error);
}

}  // namespace
}  // namespace cs::model
