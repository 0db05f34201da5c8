// concept-studio-cli label end to end on the synthetic report project: a concept's and a latent's
// label and note are stored, read back by a new process (the project reopened), listed as JSON,
// carried into the CSV/JSON exports and the HTML report, cleared; bad targets exit 1 naming the
// project, bad usage exits 2, and neither writes anything.
#include "cli_runner.h"
#include "report_fixture.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

using cs::testing::CliResult;

CliResult run(const std::string& arguments) { return cs::testing::runCli(arguments, cs::testing::CliStreams::Merged); }

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

class LabelCliTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::string(CS_TEST_TMP) + "/label_cli_" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
        std::filesystem::remove_all(dir_);
        project_ = cs::report::testing::buildSyntheticProject(dir_);
        base_ = "label --project '" + project_.path + "' ";
    }
    // The run's concepts and latents with their labels, as `label --list --json -` prints them.
    nlohmann::json listed(int64_t runId) {
        const CliResult r = cs::testing::runCli(base_ + "--run " + std::to_string(runId) + " --json -");
        EXPECT_EQ(r.exitCode, 0) << r.err;
        return nlohmann::json::parse(r.out);
    }
    static const nlohmann::json& entry(const nlohmann::json& list, int64_t id) {
        for (const auto& e : list)
            if (e["id"] == id) return e;
        static const nlohmann::json none;
        ADD_FAILURE() << "no entry " << id;
        return none;
    }
    std::string dir_, base_;
    cs::report::testing::SyntheticProject project_;
};

TEST_F(LabelCliTest, ConceptAndLatentLabelsReachEveryOutput) {
    const int64_t conceptId = project_.conceptIds[1];
    const std::string craft = "--run " + std::to_string(project_.craftRunId) + " ";
    const std::string sae = "--run " + std::to_string(project_.saeRunId) + " ";
    CliResult r = run(base_ + craft + "--concept " + std::to_string(conceptId) + " --text 'striped fur' --note 'zebras, tigers'");
    ASSERT_EQ(r.exitCode, 0) << r.out;
    r = run(base_ + sae + "--latent 5 --text '90s comedies'");
    ASSERT_EQ(r.exitCode, 0) << r.out;

    // A new process reads them back: the labels were stored, not only printed.
    const auto concepts = listed(project_.craftRunId)["concepts"];
    EXPECT_EQ(entry(concepts, conceptId)["label"], "striped fur");
    EXPECT_EQ(entry(concepts, conceptId)["note"], "zebras, tigers");
    EXPECT_EQ(entry(concepts, conceptId)["name"], "striped fur");
    EXPECT_FALSE(entry(concepts, conceptId)["author"].get<std::string>().empty());
    EXPECT_EQ(entry(concepts, project_.conceptIds[0])["label"], "") << "an unlabelled concept has an empty label";
    EXPECT_EQ(entry(listed(project_.saeRunId)["latents"], 5)["label"], "90s comedies");

    // --note alone keeps the text.
    r = run(base_ + craft + "--concept " + std::to_string(conceptId) + " --note 'not on horses'");
    ASSERT_EQ(r.exitCode, 0) << r.out;
    EXPECT_EQ(entry(listed(project_.craftRunId)["concepts"], conceptId)["label"], "striped fur");

    r = run(base_ + craft + "--list");
    EXPECT_NE(r.out.find("striped fur  -- not on horses"), std::string::npos) << r.out;

    r = run("export --project '" + project_.path + "' --out '" + dir_ + "/export' --what csv,json");
    ASSERT_EQ(r.exitCode, 0) << r.out;
    const std::string craftDir = dir_ + "/export/run-" + std::to_string(project_.craftRunId);
    const std::string saeDir = dir_ + "/export/run-" + std::to_string(project_.saeRunId);
    EXPECT_NE(readFile(craftDir + "/concepts.csv").find(",layer4,1,striped fur,0.45,0.09,not on horses\n"), std::string::npos)
        << readFile(craftDir + "/concepts.csv");
    const auto conceptsJson = nlohmann::json::parse(readFile(craftDir + "/concepts.json"));
    EXPECT_EQ(entry(conceptsJson, conceptId)["label"], "striped fur");
    EXPECT_EQ(entry(conceptsJson, conceptId)["note"], "not on horses");
    EXPECT_NE(readFile(saeDir + "/latents.csv").find(",90s comedies,\n"), std::string::npos);
    const auto latentsJson = nlohmann::json::parse(readFile(saeDir + "/latents.json"));
    EXPECT_EQ(latentsJson[5]["label"], "90s comedies");

    r = run("report --project '" + project_.path + "' --out '" + dir_ + "/report'");
    ASSERT_EQ(r.exitCode, 0) << r.out;
    const std::string html = readFile(dir_ + "/report/report.html");
    EXPECT_NE(html.find(">striped fur</td>"), std::string::npos) << "the importance table names the concept by its label";
    EXPECT_NE(html.find("not on horses"), std::string::npos);
    EXPECT_NE(html.find("<td>90s comedies</td>"), std::string::npos);

    r = run(base_ + craft + "--concept " + std::to_string(conceptId) + " --clear");
    ASSERT_EQ(r.exitCode, 0) << r.out;
    EXPECT_EQ(entry(listed(project_.craftRunId)["concepts"], conceptId)["label"], "");
}

TEST_F(LabelCliTest, BadTargetsAndUsageChangeNothing) {
    const std::string craft = "--run " + std::to_string(project_.craftRunId) + " ";
    CliResult r = run(base_ + craft + "--concept 9999 --text x");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.out.find(project_.path + ": run " + std::to_string(project_.craftRunId) + " has no concept 9999"),
              std::string::npos)
        << r.out;
    // A concept of another run is not this run's.
    r = run(base_ + "--run " + std::to_string(project_.saeRunId) + " --concept " + std::to_string(project_.conceptIds[0]) +
            " --text x");
    EXPECT_EQ(r.exitCode, 1) << r.out;
    r = run(base_ + "--run " + std::to_string(project_.saeRunId) + " --latent 999 --text x");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.out.find("has no latent 999"), std::string::npos) << r.out;
    r = run(base_ + "--run 777 --latent 1 --text x");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.out.find("no run 777"), std::string::npos) << r.out;
    r = run("label --project '" + dir_ + "/missing.cstudio' --run 1 --latent 1 --text x");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.out.find("missing.cstudio: no such project file"), std::string::npos) << r.out;

    EXPECT_EQ(run(base_ + craft + "--text x").exitCode, 2) << "a label needs a target";
    EXPECT_EQ(run(base_ + craft + "--concept 1").exitCode, 2) << "a target needs --text, --note or --clear";
    EXPECT_EQ(run(base_ + craft + "--concept 1 --latent 1 --text x").exitCode, 2);
    EXPECT_EQ(run(base_ + craft + "--concept 1 --clear --text x").exitCode, 2);

    for (int64_t runId : {project_.craftRunId, project_.saeRunId}) {
        const auto all = listed(runId);
        for (const char* kind : {"concepts", "latents"})
            for (const auto& e : all[kind]) EXPECT_EQ(e["label"], "") << kind << " " << e["id"];
    }
}

}  // namespace
