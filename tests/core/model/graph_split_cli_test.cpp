// `concept-studio-cli layers` and `craft` on unmodified TorchScript models (docs/models.md "Any
// model, no wrapper"): the layer JSON, short CRAFT runs that finish with maps on a CNN and on a
// vision transformer, and the refusals (a cut across a skip connection, an unknown operator).
#include "model_fixtures.h"
#include "cli_runner.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

namespace {

namespace fs = std::filesystem;
using cs::testing::runCli;

std::string graphFixture(const std::string& name) {
    static const std::string dir = cs::test::exportOnce(CS_GRAPH_FIXTURE_SCRIPT, "graph-fixtures");
    return dir + "/" + name;
}

fs::path scratch(const std::string& name) {
    const fs::path dir = fs::path(CS_TEST_TMP) / "graph-split-cli";
    fs::create_directories(dir);
    fs::remove_all(dir / name);
    return dir / name;
}

int64_t count(const fs::path& project, const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(project.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK && sqlite3_step(statement) == SQLITE_ROW)
        n = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return n;
}

TEST(LayersCommand, ListsEveryLayerAsJson) {
    const fs::path out = scratch("resnet18-layers.json");
    const auto r = runCli("layers --model " + graphFixture("resnet18_traced.pt") + " --input-size 3,64,64 --json " + out.string());
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.err.find("probe input: 2×3×64×64 (from --input-size)"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("  + layer4  512×2×2"), std::string::npos) << r.out;
    std::ifstream in(out);
    const nlohmann::json layers = nlohmann::json::parse(in);
    ASSERT_TRUE(layers.is_array());
    bool sawLayer4 = false, sawRefusal = false;
    for (const auto& layer : layers) {
        ASSERT_TRUE(layer.contains("name") && layer.contains("shape") && layer.contains("cuttable") && layer.contains("reason")) << layer;
        if (layer["name"] == "layer4") {
            sawLayer4 = true;
            EXPECT_TRUE(layer["cuttable"].get<bool>());
            EXPECT_EQ(layer["shape"], nlohmann::json::array({512, 2, 2}));
        }
        if (layer["name"] == "layer4.0.bn2") {
            sawRefusal = true;
            EXPECT_FALSE(layer["cuttable"].get<bool>());
            EXPECT_NE(layer["reason"].get<std::string>().find("skip connection"), std::string::npos);
        }
    }
    EXPECT_TRUE(sawLayer4 && sawRefusal);

    // Without --input-size: the default is told; an unknown operator is named, with no backtrace.
    const auto unknown = runCli("layers --model " + graphFixture("unknown_operator.pt"));
    EXPECT_EQ(unknown.exitCode, 1);
    EXPECT_NE(unknown.err.find("aten::scaled_dot_product_attention"), std::string::npos) << unknown.err;
    EXPECT_EQ(unknown.err.find("Exception raised from"), std::string::npos) << unknown.err;
}

// `patchSize`: crops of half the 64-pixel CNN inputs by default; the 32-pixel ViT takes 16.
std::string craftArgs(const std::string& model, const fs::path& project, const std::string& layer, const std::string& extra,
                      int patchSize = 32) {
    return "craft --project " + project.string() + " --model " + graphFixture(model) + " --images " + graphFixture("images") +
           " --class 0 --layer " + layer + " --concepts 3 --patch-size " + std::to_string(patchSize) +
           " --sobol-designs 8 --map-images 2 --batch-size 8 " + extra;
}

TEST(CraftOnAnyModel, ResNetCompletesWithMaps) {
    const fs::path project = scratch("resnet.cstudio");
    // --adapter: the torchvision plugin, found in the build tree, would otherwise take a ResNet first.
    const auto r = runCli(craftArgs("resnet18_scripted.pt", project, "layer4", "--input-size 3,64,64 --adapter torchscript-graph"));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.err.find("note: split at layer4: h(g(x)) = model(x)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("note: normalisation: ImageNet's mean"), std::string::npos) << r.err;
    EXPECT_EQ(count(project, "SELECT count(*) FROM concepts"), 3);
    EXPECT_GT(count(project, "SELECT count(*) FROM artifacts WHERE kind = 'heatmap'"), 0);
    EXPECT_EQ(count(project, "SELECT count(*) FROM models WHERE adapter = 'torchscript-graph' AND "
                             "json_extract(metadata, '$.mean[0]') > 0.48"),
              1);

    // A cut across a skip connection: exit 1, the crossing value named, nothing half-written.
    const auto refused = runCli(craftArgs("resnet18_scripted.pt", project, "layer4.1.bn2", "--input-size 3,64,64 --adapter torchscript-graph"));
    EXPECT_EQ(refused.exitCode, 1);
    EXPECT_NE(refused.err.find("cannot be cut at 'layer4.1.bn2'"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("(output of layer4.0"), std::string::npos) << refused.err;
    EXPECT_EQ(refused.err.find("Exception raised from"), std::string::npos) << refused.err;
    EXPECT_EQ(count(project, "SELECT count(*) FROM runs WHERE status = 'done'"), 1);
}

TEST(CraftOnAnyModel, VisionTransformerCompletesWithMapsOnSemiNmf) {
    const fs::path project = scratch("vit.cstudio");
    const fs::path classes = scratch("classes.txt");
    {
        std::ofstream out(classes);
        for (int i = 0; i < 10; ++i) out << "class " << i << "\n";
    }
    const auto r = runCli(craftArgs("vit_tiny_scripted.pt", project, "encoder.layers.encoder_layer_1",
                                    "--input-size 3,32,32 --mean 0.5,0.5,0.5 --std 0.25,0.25,0.25 --class-names @" +
                                        classes.string(),
                                    16));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.err.find("a 4×4 patch grid after 1 class token(s)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("using the Semi-NMF dictionary"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("ImageNet"), std::string::npos) << r.err;  // --mean/--std were given
    EXPECT_EQ(count(project, "SELECT count(*) FROM concepts"), 3);
    EXPECT_GT(count(project, "SELECT count(*) FROM artifacts WHERE kind = 'heatmap'"), 0);
    EXPECT_EQ(count(project, "SELECT count(*) FROM runs WHERE json_extract(parameters, '$.dictionary') = 'semi-nmf'"), 1);
    EXPECT_EQ(count(project, "SELECT count(*) FROM models WHERE json_extract(metadata, '$.class_names[9]') = 'class 9' AND "
                             "json_extract(metadata, '$.std[0]') = 0.25"),
              1);
    // A missing class-names file is named.
    const auto missing = runCli(craftArgs("vit_tiny_scripted.pt", project, "encoder.layers.encoder_layer_1",
                                          "--input-size 3,32,32 --class-names @" + (classes.string() + ".missing")));
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_NE(missing.err.find("classes.txt.missing: cannot be read"), std::string::npos) << missing.err;
}

}  // namespace
