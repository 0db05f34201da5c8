// The acceptance list of "any model, no wrapper" (label `acceptance`, not run by default: minutes
// and ~1 GB of exports): larger unmodified torchvision models, scripted and traced where torch 1.13
// can. For each export: the layer tree, h(g(x)) = PyTorch's output at the last stage or block, and
// a short CRAFT run (10 images, 5 concepts) through the CLI that finishes with maps.
#include "model_fixtures.h"
#include "cli_runner.h"

#include "common/error.h"
#include "model/graph_split_model.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

namespace {

namespace fs = std::filesystem;
using namespace cs::model;

std::string acceptanceFixture(const std::string& name) {
    static const std::string dir = cs::test::exportOnce(CS_GRAPH_FIXTURE_SCRIPT, "graph-acceptance", "acceptance");
    return dir + "/" + name;
}

int64_t heatmaps(const fs::path& project) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(project.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* statement = nullptr;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM artifacts WHERE kind = 'heatmap'", -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW)
        n = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return n;
}

void checkExport(const std::string& label) {
    const std::string model = acceptanceFixture(label + ".pt");
    std::ifstream in(acceptanceFixture(label + ".shapes.json"));
    const nlohmann::json expected = nlohmann::json::parse(in);
    const std::string layer = expected["layer"].get<std::string>();

    const ModelLayers layers = describeLayers(model, {3, 224, 224});
    bool found = false;
    for (const auto& l : layers.layers)
        if (l.name == layer) {
            found = true;
            EXPECT_TRUE(l.cuttable) << label << " " << layer << ": " << l.reason;
            EXPECT_EQ(nlohmann::json(l.shape), expected["shapes"][layer]) << label;
        }
    EXPECT_TRUE(found) << label << " has no layer " << layer;

    auto vision = loadGraphSplitModel(model, nlohmann::json{{"layers", {layer}}, {"freeze", true}}.dump());
    torch::NoGradGuard noGrad;
    const torch::jit::Module refs = torch::jit::load(acceptanceFixture(label + ".ref.pt"));
    const at::Tensor x = refs.attr("input").toTensor(), output = refs.attr("output").toTensor();
    EXPECT_LT(cs::test::maxAbsDiff(vision->logits(x), output), 1e-4 * std::max(1.0, output.abs().max().item<double>())) << label;

    const fs::path project = fs::path(CS_TEST_TMP) / ("acceptance-" + label + ".cstudio");
    fs::remove(project);
    const auto r = cs::testing::runCli("craft --project " + project.string() + " --model " + model + " --images " +
                                       acceptanceFixture("images") + " --class 0 --layer " + layer +
                                       " --concepts 5 --max-images 10 --sobol-designs 8 --map-images 2 --batch-size 16 --adapter torchscript-graph");
    EXPECT_EQ(r.exitCode, 0) << label << "\n" << r.err;
    EXPECT_GT(heatmaps(project), 0) << label;
}

class Acceptance : public ::testing::TestWithParam<std::string> {};

// Each network: every export torch 1.13 could make passes; at least one export exists.
TEST_P(Acceptance, ScriptedAndTraced) {
    int exported = 0;
    for (const char* how : {"_scripted", "_traced"}) {
        const std::string label = GetParam() + how;
        if (fs::exists(acceptanceFixture(label + ".skipped"))) {
            std::ifstream why(acceptanceFixture(label + ".skipped"));
            std::string first;
            std::getline(why, first);
            std::cout << label << ": torch 1.13 cannot export it: " << first << "\n";
            continue;
        }
        ++exported;
        try {
            checkExport(label);
        } catch (const cs::Error& e) {
            ADD_FAILURE() << label << ": " << e.what();
        }
    }
    EXPECT_GT(exported, 0) << GetParam() << ": neither a scripted nor a traced export";
}

INSTANTIATE_TEST_SUITE_P(Torchvision, Acceptance,
                         ::testing::Values("resnet50", "efficientnet_b0", "densenet121", "convnext_tiny", "regnet_y_400mf", "vit_b_16",
                                           "swin_t"));

}  // namespace
