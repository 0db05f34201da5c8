// Plugins: the loader's states and per-plugin errors (deliberately broken fixtures built beside
// this test), the torchvision plugin against PyTorch's own outputs (scripted and traced ResNet-18,
// scripted MobileNetV2), the example plugin, and "never from the model's own folder".
#include "model_fixtures.h"

#include "common/error.h"
#include "cs/build_info.h"
#include "model/model_loader.h"
#include "model/plugin_registry.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace cs::model {
namespace {
namespace fs = std::filesystem;
using test::fixture;
using test::maxAbsDiff;
using test::reference;

const PluginSpec* byFile(const std::vector<PluginSpec>& specs, const std::string& fileName) {
    for (const auto& spec : specs)
        if (fs::path(spec.path).filename() == fileName) return &spec;
    return nullptr;
}

TEST(PluginRegistry, BrokenPluginsGetStatesAndReadableErrors) {
    PluginRegistry registry;  // a private registry: the broken ones never reach loadModel's
    registry.scan({CS_BROKEN_PLUGIN_DIR}, false);
    const auto specs = registry.plugins();

    const PluginSpec* noEntry = byFile(specs, "libcs_test_no_entry_plugin.so");
    ASSERT_NE(noEntry, nullptr);
    EXPECT_EQ(noEntry->state, PluginState::Failed);
    EXPECT_EQ(noEntry->failedAt, PluginState::Loaded);
    EXPECT_NE(noEntry->error.find("has no entry point concept_studio_plugin()"), std::string::npos) << noEntry->error;

    const PluginSpec* wrongAbi = byFile(specs, "libcs_test_wrong_abi_plugin.so");
    ASSERT_NE(wrongAbi, nullptr);
    EXPECT_EQ(wrongAbi->state, PluginState::Failed);
    EXPECT_EQ(wrongAbi->abiVersion, CS_PLUGIN_ABI_VERSION + 41);
    const std::string expected = "was built for plugin ABI version " + std::to_string(CS_PLUGIN_ABI_VERSION + 41) +
                                 ", but this studio uses plugin ABI version " + std::to_string(CS_PLUGIN_ABI_VERSION);
    EXPECT_NE(wrongAbi->error.find(expected), std::string::npos) << wrongAbi->error;
    EXPECT_TRUE(wrongAbi->name.empty()) << "nothing but the ABI version may be read from a foreign descriptor";
    EXPECT_TRUE(registry.adapters().empty());
}

TEST(PluginRegistry, NotASharedLibraryAndDuplicates) {
    const fs::path dir = fs::path(CS_TEST_TMP) / "plugin-junk";
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "libjunk.so") << "not an ELF file\n";
    fs::copy_file(fs::path(CS_BUILT_PLUGIN_DIR) / "libconcept-studio-example.so", dir / "libcopy-of-example.so");

    PluginRegistry registry;
    registry.scan({CS_BUILT_PLUGIN_DIR, dir.string()}, false);
    const auto specs = registry.plugins();
    const PluginSpec* junk = byFile(specs, "libjunk.so");
    ASSERT_NE(junk, nullptr);
    EXPECT_EQ(junk->failedAt, PluginState::Found);
    EXPECT_NE(junk->error.find("cannot be loaded as a shared library"), std::string::npos) << junk->error;
    const PluginSpec* copy = byFile(specs, "libcopy-of-example.so");
    ASSERT_NE(copy, nullptr);
    EXPECT_EQ(copy->state, PluginState::Failed);
    EXPECT_NE(copy->error.find("a plugin named 'example-sequential' is already loaded"), std::string::npos) << copy->error;

    const PluginSpec* torchvision = byFile(specs, "libconcept-studio-torchvision.so");
    ASSERT_NE(torchvision, nullptr);
    EXPECT_EQ(torchvision->state, PluginState::Ready) << torchvision->error;
    EXPECT_EQ(torchvision->name, "torchvision");
    EXPECT_EQ(torchvision->version, "1.0.0");
    EXPECT_EQ(torchvision->adapters, (std::vector<std::string>{"torchvision"}));
    ASSERT_TRUE(registry.findAdapter("sequential-split").has_value());
    EXPECT_EQ(registry.findAdapter("sequential-split")->pluginName, "example-sequential");

    // Loading the same file again returns the same spec, not a second copy.
    size_t before = registry.plugins().size();
    registry.loadPlugin(std::string(CS_BUILT_PLUGIN_DIR) + "/./libconcept-studio-torchvision.so");
    EXPECT_EQ(registry.plugins().size(), before);
}

TEST(PluginRegistry, SearchOrderInstallThenUserDataFolder) {
    const char* old = std::getenv("XDG_DATA_HOME");
    std::string saved = old ? old : "";
    setenv("XDG_DATA_HOME", "/tmp/cs-xdg-test", 1);
    auto dirs = PluginRegistry::defaultSearchDirs();
    ASSERT_GE(dirs.size(), 2u);
    EXPECT_EQ(dirs[0], CS_INSTALL_PLUGIN_DIR);
    EXPECT_EQ(dirs[1], "/tmp/cs-xdg-test/concept-studio/plugins");
    unsetenv("XDG_DATA_HOME");
    const std::string home = std::getenv("HOME") ? std::getenv("HOME") : "";
    setenv("HOME", "/home/someone", 1);
    EXPECT_EQ(PluginRegistry::defaultSearchDirs()[1], "/home/someone/.local/share/concept-studio/plugins");
    setenv("HOME", home.c_str(), 1);
    if (old) setenv("XDG_DATA_HOME", saved.c_str(), 1);
}

void expectClose(const at::Tensor& actual, const at::Tensor& expected, const std::string& what) {
    ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
    EXPECT_TRUE(torch::allclose(actual, expected, 1e-4, 1e-4)) << what << " max diff " << maxAbsDiff(actual, expected);
}

LoadOptions withPlugins(const std::string& adapter = "auto", const std::string& options = {}) {
    LoadOptions o;
    o.adapter = adapter;
    o.pluginDirs = {CS_BUILT_PLUGIN_DIR};
    o.optionsJson = options;
    return o;
}

TEST(TorchvisionPlugin, ScriptedAndTracedResNet18MatchPyTorch) {
    for (const std::string file : {"tv_resnet18_scripted.pt", "tv_resnet18_traced.pt"}) {
        auto model = loadVisionModel(fixture(file), withPlugins());  // auto: the plugin accepts it
        EXPECT_EQ(model->info().adapter, "torchvision") << file;
        EXPECT_EQ(model->info().probePoints, (std::vector<std::string>{"layer1", "layer2", "layer3", "layer4"}));
        EXPECT_EQ(model->info().sha256, sha256File(fixture(file)));
        EXPECT_EQ(model->info().inputSize, (std::vector<int64_t>{3, 224, 224}));
        torch::NoGradGuard noGrad;
        const at::Tensor x = reference("tv_resnet18", "x");
        for (const std::string layer : {"layer1", "layer2", "layer3", "layer4"}) {
            at::Tensor a = model->activations(x, layer);
            expectClose(a, reference("tv_resnet18", layer), file + " " + layer);
            expectClose(model->logitsFrom(a, layer), reference("tv_resnet18", "logits"), file + " logits from " + layer);
        }
    }
}

TEST(TorchvisionPlugin, ScriptedMobileNetV2MatchesPyTorch) {
    auto model = loadVisionModel(fixture("tv_mobilenet_v2_scripted.pt"), withPlugins("torchvision"));
    ASSERT_EQ(model->info().probePoints.size(), 19u);
    EXPECT_EQ(model->info().probePoints.front(), "features.0");
    EXPECT_EQ(model->info().probePoints.back(), "features.18");
    torch::NoGradGuard noGrad;
    const at::Tensor x = reference("tv_mobilenet_v2", "x");
    for (const auto& [layer, ref] : {std::pair<std::string, std::string>{"features.6", "features_6"}, {"features.18", "features_18"}}) {
        at::Tensor a = model->activations(x, layer);
        expectClose(a, reference("tv_mobilenet_v2", ref), layer);
        expectClose(model->logitsFrom(a, layer), reference("tv_mobilenet_v2", "logits"), "logits from " + layer);
    }
    expectClose(model->logits(x), reference("tv_mobilenet_v2", "logits"), "logits");
}

TEST(TorchvisionPlugin, OptionsAndErrors) {
    auto model = loadVisionModel(fixture("tv_resnet18_scripted.pt"),
                                 withPlugins("torchvision", R"({"probe_points": ["layer3", "layer4"], "input_size": [3, 64, 64]})"));
    EXPECT_EQ(model->info().probePoints, (std::vector<std::string>{"layer3", "layer4"}));
    EXPECT_THROW(model->activations(reference("tv_resnet18", "x"), "layer1"), cs::Error);
    try {
        loadVisionModel(fixture("tv_resnet18_scripted.pt"), withPlugins("torchvision", R"({"probe_points": ["layer9"]})"));
        FAIL();
    } catch (const cs::Error& e) {
        EXPECT_NE(std::string(e.what()).find("'layer9' is not a probe point"), std::string::npos) << e.what();
    }
    try {
        loadVisionModel(fixture("bad_only_forward.pt"), withPlugins("torchvision"));
        FAIL();
    } catch (const cs::Error& e) {
        EXPECT_EQ(e.subject(), fixture("bad_only_forward.pt"));
        EXPECT_NE(std::string(e.what()).find("is not a torchvision ResNet or MobileNetV2 export"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("[adapter 'torchvision', plugin torchvision]"), std::string::npos) << e.what();
    }
    try {
        loadVisionModel(fixture("truncated.pt"), withPlugins("torchvision"));
        FAIL();
    } catch (const cs::Error& e) {
        EXPECT_NE(std::string(e.what()).find("corrupt or truncated"), std::string::npos) << e.what();
    }
}

TEST(ExamplePlugin, SplitsASequentialClassifier) {
    auto model = loadVisionModel(fixture("sequential.pt"), withPlugins());
    EXPECT_EQ(model->info().adapter, "sequential-split");
    EXPECT_EQ(model->info().probePoints, (std::vector<std::string>{"0", "1", "2", "3", "4", "5"}));
    torch::NoGradGuard noGrad;
    const at::Tensor x = reference("sequential", "x");
    at::Tensor a = model->activations(x, "4");
    expectClose(a, reference("sequential", "layer4"), "activations at 4");
    expectClose(model->logitsFrom(a, "4"), reference("sequential", "logits"), "logits from 4");
    expectClose(model->logits(x), reference("sequential", "logits"), "logits");
}

TEST(PluginSearch, NeverFromTheModelsOwnFolder) {
    // The trap plugin accepts *.trap.pt; placed beside such a model it must not be loaded.
    const fs::path dir = fs::path(CS_TEST_TMP) / "model-with-plugin";
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::copy_file(CS_TRAP_PLUGIN, dir / fs::path(CS_TRAP_PLUGIN).filename());
    const fs::path model = dir / "classifier.trap.pt";
    fs::copy_file(fixture("bad_only_forward.pt"), model);
    LoadOptions options;  // default folders only (plus the build tree's plugins/)
    try {
        loadModel(model.string(), options);
        FAIL() << "loaded although no plugin outside the model folder accepts it";
    } catch (const cs::Error& e) {
        EXPECT_NE(std::string(e.what()).find("no plugin accepts it"), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).find("trap plugin"), std::string::npos) << e.what();
    }
    for (const auto& spec : PluginRegistry::instance().plugins())
        EXPECT_NE(fs::path(spec.path).parent_path(), fs::weakly_canonical(dir)) << spec.path;
}

}  // namespace
}  // namespace cs::model
