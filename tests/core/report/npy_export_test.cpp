// Exports: CSV/JSON tables, NumPy files read back by Debian's numpy, pictures, bad input.
#include "report/npy_writer.h"
#include "report/run_export.h"

#include "common/error.h"
#include "report_fixture.h"
#include "store/project_store.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace cs::report;
using cs::report::testing::buildSyntheticProject;

namespace {

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// Runs numpy.load on each file and returns {path: {"shape": [...], "dtype": "...", "values": [...]}}.
nlohmann::json loadWithNumpy(const std::vector<std::string>& paths) {
    const std::string script = std::string(CS_TEST_TMP) + "/npy_load.py";
    std::ofstream(script) << "import json, sys, numpy\n"
                             "out = {}\n"
                             "for p in sys.argv[1:]:\n"
                             "    a = numpy.load(p, allow_pickle=False)\n"
                             "    out[p] = {'shape': list(a.shape), 'dtype': a.dtype.str, 'fortran': bool(numpy.isfortran(a)),\n"
                             "              'values': [float(v) for v in a.ravel()]}\n"
                             "print(json.dumps(out))\n";
    std::string command = std::string(CS_PYTHON) + " " + script;
    for (const auto& p : paths) command += " '" + p + "'";
    FILE* pipe = popen(command.c_str(), "r");
    EXPECT_NE(pipe, nullptr);
    std::string output;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
    EXPECT_EQ(pclose(pipe), 0) << output;
    return nlohmann::json::parse(output);
}

void expectSameTensor(const nlohmann::json& loaded, const cs::TensorBlob& expected) {
    EXPECT_EQ(loaded["dtype"], "<f4");
    EXPECT_EQ(loaded["shape"].get<std::vector<int64_t>>(), expected.shape);
    const auto values = loaded["values"].get<std::vector<double>>();
    ASSERT_EQ(values.size(), expected.data.size());
    for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(values[i], static_cast<double>(expected.data[i])) << i;
}

TEST(NpyWriter, HeaderIsVersion1PaddedTo64) {
    cs::TensorBlob t{{2, 3}, {1, 2, 3, 4, 5, 6}};
    const std::string bytes = npyBytes(t);
    ASSERT_GE(bytes.size(), 10u);
    EXPECT_EQ(bytes.substr(0, 6), "\x93NUMPY");
    EXPECT_EQ(bytes[6], 1);
    EXPECT_EQ(bytes[7], 0);
    const size_t headerLength = static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
    EXPECT_EQ((10 + headerLength) % 64, 0u);
    const std::string header = bytes.substr(10, headerLength);
    EXPECT_EQ(header.back(), '\n');
    EXPECT_NE(header.find("'descr': '<f4'"), std::string::npos);
    EXPECT_NE(header.find("'shape': (2, 3)"), std::string::npos);
    EXPECT_EQ(bytes.size(), 10 + headerLength + 6 * 4);
    // One-dimensional shapes need the trailing comma of a Python 1-tuple.
    EXPECT_NE(npyBytes(cs::TensorBlob{{4}, {1, 2, 3, 4}}).find("'shape': (4,)"), std::string::npos);
    // A tensor whose data does not match its shape is refused.
    EXPECT_THROW(npyBytes(cs::TensorBlob{{2, 2}, {1, 2, 3}}), cs::Error);
}

TEST(NpyWriter, NumpyLoadsEdgeShapes) {
    const std::string dir = std::string(CS_TEST_TMP) + "/npy_shapes";
    std::filesystem::create_directories(dir);
    std::vector<cs::TensorBlob> tensors = {
        {{}, {3.5f}},                                   // scalar
        {{0, 4}, {}},                                   // empty
        {{1}, {-0.0f}},                                 // 1-tuple
        {{2, 1, 3}, {1e-30f, -1e30f, 0.1f, 2, 3, 4}},   // 3-D, extreme values
    };
    std::vector<std::string> paths;
    for (size_t i = 0; i < tensors.size(); ++i) {
        paths.push_back(dir + "/t" + std::to_string(i) + ".npy");
        writeNpy(paths.back(), tensors[i]);
    }
    const auto loaded = loadWithNumpy(paths);
    for (size_t i = 0; i < tensors.size(); ++i) expectSameTensor(loaded[paths[i]], tensors[i]);
}

class ExportTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::string(CS_TEST_TMP) + "/report_export_" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
        std::filesystem::remove_all(dir_);
        project_ = buildSyntheticProject(dir_);
        store_ = cs::store::ProjectStore::open(project_.path, true);
        out_ = dir_ + "/out";
    }
    std::string dir_, out_;
    cs::report::testing::SyntheticProject project_;
    std::unique_ptr<cs::store::ProjectStore> store_;
};

TEST_F(ExportTest, NumpyLoadsConceptVectorsCoefficientsAndSaeWeights) {
    ExportSelection npyOnly{false, false, true, false};
    const auto craftFiles = exportRun(*store_, project_.craftRunId, out_, npyOnly);
    const auto saeFiles = exportRun(*store_, project_.saeRunId, out_, npyOnly);
    const std::string craftDir = out_ + "/run-" + std::to_string(project_.craftRunId);
    const std::string saeDir = out_ + "/run-" + std::to_string(project_.saeRunId);
    const std::string w = craftDir + "/concept_vectors_W_layer4.npy";
    const std::string u = craftDir + "/coefficients_U.npy";
    const std::string wSub = craftDir + "/concept_vectors_W_layer3_parent" + std::to_string(project_.conceptIds[1]) + ".npy";
    const std::string enc = saeDir + "/sae-weights_W_enc.npy";
    const std::string bias = saeDir + "/sae-weights_b_dec.npy";
    EXPECT_EQ(craftFiles, (std::vector<std::string>{u, wSub, w}));
    EXPECT_EQ(saeFiles, (std::vector<std::string>{enc, bias}));  // byte order: W < b
    const auto loaded = loadWithNumpy({w, u, wSub, enc, bias});
    expectSameTensor(loaded[w], project_.conceptVectors);
    expectSameTensor(loaded[u], project_.coefficients);
    expectSameTensor(loaded[enc], project_.encoderWeights);
    EXPECT_EQ(loaded[wSub]["shape"], nlohmann::json::array({2, 6}));
    EXPECT_EQ(loaded[bias]["shape"], nlohmann::json::array({6}));
    EXPECT_FALSE(loaded[w]["fortran"].get<bool>());
}

TEST_F(ExportTest, CsvAndJsonTables) {
    exportRun(*store_, project_.craftRunId, out_, {true, true, false, false});
    exportRun(*store_, project_.saeRunId, out_, {true, true, false, false});
    const std::string craftDir = out_ + "/run-" + std::to_string(project_.craftRunId);
    const std::string saeDir = out_ + "/run-" + std::to_string(project_.saeRunId);

    const std::string concepts = readFile(craftDir + "/concepts.csv");
    EXPECT_EQ(concepts.substr(0, concepts.find('\n')), "concept_id,parent_id,layer,index,label,importance,importance_std,note");
    EXPECT_EQ(std::count(concepts.begin(), concepts.end(), '\n'), 1 + 4 + 2);
    EXPECT_NE(concepts.find(",layer4,1,Concept 1,0.45,0.09,\n"), std::string::npos);
    // The hostile label is a CSV field like any other (it holds no comma or quote).
    EXPECT_NE(concepts.find(",<img src=x onerror=alert(1)>,"), std::string::npos);

    const std::string latents = readFile(saeDir + "/latents.csv");
    EXPECT_EQ(std::count(latents.begin(), latents.end(), '\n'), 1 + 24);
    // Tags joined by '|', the field quoted because a tag holds a comma and quotes.
    EXPECT_NE(latents.find("\"genre:0|era, \"\"90s\"\"\",,\n"), std::string::npos);  // then no label, no note

    const auto conceptsJson = nlohmann::json::parse(readFile(craftDir + "/concepts.json"));
    ASSERT_EQ(conceptsJson.size(), 6u);
    EXPECT_DOUBLE_EQ(conceptsJson[1]["importance"].get<double>(), 0.45);
    EXPECT_TRUE(conceptsJson[0]["parent_id"].is_null());
    EXPECT_EQ(conceptsJson[4]["parent_id"], project_.conceptIds[1]);
    const auto latentsJson = nlohmann::json::parse(readFile(saeDir + "/latents.json"));
    ASSERT_EQ(latentsJson.size(), 24u);
    EXPECT_EQ(latentsJson[23]["tags"][2], cs::report::testing::kHostileTag);
    const auto run = nlohmann::json::parse(readFile(craftDir + "/run.json"));
    EXPECT_EQ(run["model"]["sha256"], project_.modelSha256);
    EXPECT_EQ(run["parameters"]["seed"], 7);
    const auto ablation = nlohmann::json::parse(readFile(saeDir + "/json/ablation/latent-23-zero.json"));
    EXPECT_EQ(ablation["fell"][0]["title"], cs::report::testing::kHostileTitle);
}

TEST_F(ExportTest, EveryPictureOfARun) {
    const auto files = exportRun(*store_, project_.craftRunId, out_, {false, false, false, true});
    const std::string dir = out_ + "/run-" + std::to_string(project_.craftRunId) + "/png";
    // Per-image overlays ("<path>#<map type>") are named by the image's folder, file and type.
    EXPECT_EQ(files, (std::vector<std::string>{dir + "/crop/concept-3-best.png", dir + "/heatmap/sneaker_0_projection.png",
                                               dir + "/heatmap/sneaker_1_projection.png",
                                               dir + "/image/images_sneaker_2.png",
                                               dir + "/overlay/images_sneaker_2.png_grad-cam.png",
                                               dir + "/overlay/images_sneaker_2.png_projection.png",
                                               dir + "/thumbnail/concept" + std::to_string(project_.conceptIds[2]) + "_a-second.png",
                                               dir + "/thumbnail/concept" + std::to_string(project_.conceptIds[2]) + "_best.png"}));
    EXPECT_EQ(readFile(dir + "/heatmap/sneaker_0_projection.png"), project_.heatmapPng);
}

TEST_F(ExportTest, BadInput) {
    EXPECT_THROW(exportRun(*store_, 4242, out_, {}), cs::Error);
    // The output folder is a file.
    std::ofstream(dir_ + "/not-a-folder") << "x";
    try {
        exportRun(*store_, project_.craftRunId, dir_ + "/not-a-folder", {});
        FAIL() << "expected cs::Error";
    } catch (const cs::Error& e) {
        EXPECT_NE(e.subject().find("not-a-folder"), std::string::npos) << e.what();
    }
    EXPECT_THROW(parseExportSelection("csv,xls"), cs::UsageError);
    EXPECT_THROW(parseExportSelection(""), cs::UsageError);
    const auto some = parseExportSelection(" npy , png");
    EXPECT_TRUE(some.npy && some.png && !some.csv && !some.json);
}

}  // namespace
