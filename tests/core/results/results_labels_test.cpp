// What core/results adds for labels, search and the first look: RunData names concepts by the
// user's label, one palette colours a concept by its top-level ancestor, searchProject finds labels,
// notes, tags, title words and run names (case-insensitive, grouped by run), runHeadlines reads the
// stored summary.
#include "results/concept_palette.h"
#include "results/project_search.h"
#include "results/run_data.h"
#include "results/run_headlines.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

using namespace cs;
namespace fs = std::filesystem;

namespace {

struct Project {
    std::unique_ptr<store::ProjectStore> store;
    int64_t craft = 0, sae = 0, top = 0, sub = 0, latent = 0;
};

Project makeProject(const std::string& name) {
    const fs::path dir = fs::path(CS_TEST_TMP) / "results_labels";
    fs::create_directories(dir);
    const fs::path path = dir / name;
    for (auto suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
    Project p;
    p.store = store::ProjectStore::create(path.string());
    p.craft = p.store->createRun("craft", R"({"class_name": "zebra", "layer": "layer4"})");
    p.store->markRunning(p.craft);
    p.store->completeRun(p.craft, R"({"n_images": 40, "nmf": {"relative_error": 0.25},
        "faithfulness": {"deletion_auc": 0.2, "deletion_auc_random": 0.4}})", [&] {
        store::ConceptRecord c;
        c.runId = p.craft;
        c.layer = "layer4";
        c.index = 3;
        c.importance = 0.5;
        c.label = "engine name";
        c.vector = {{1}, {1.f}};
        p.top = p.store->addConcept(c);
        c.parentId = p.top;
        c.layer = "layer3";
        c.index = 0;
        c.label.clear();
        p.sub = p.store->addConcept(c);
    });
    p.sae = p.store->createRun("recsae", "{}");
    p.store->markRunning(p.sae);
    p.store->completeRun(p.sae, R"({"n_latents": 64, "confident_latents": 5, "dead_fraction": 0.125, "fvu": 0.08,
        "ndcg10_model": 0.31, "ndcg10_reconstructed": 0.29})", [&] {
        store::LatentRecord l;
        l.runId = p.sae;
        l.index = 17;
        l.confidence = 0.9;
        l.tagsJson = R"([{"tag": "Sci-Fi", "log_odds": 2}, {"tag": "Space"}])";
        l.metadataJson = R"({"title_words": [{"word": "galaxy", "log_odds": 1.5}]})";
        p.latent = p.store->addLatent(l);
    });
    return p;
}

}  // namespace

TEST(ResultsLabels, ConceptNamePrefersTheUsersLabel) {
    Project p = makeProject("names.cstudio");
    auto run = results::loadRunData(*p.store, p.craft);
    EXPECT_EQ(run.conceptName(run.concepts[0]), "engine name");
    EXPECT_EQ(run.conceptName(run.concepts[1]), "Concept 0 @layer3");
    p.store->setLabel(store::LabelTarget::Concept, p.sub, "stripe edge", "thin");
    run = results::loadRunData(*p.store, p.craft);
    EXPECT_EQ(run.conceptName(run.concepts[1]), "stripe edge");
    ASSERT_NE(run.userLabel(store::LabelTarget::Concept, p.sub), nullptr);
    EXPECT_EQ(run.userLabel(store::LabelTarget::Concept, p.sub)->note, "thin");
    EXPECT_EQ(run.userLabel(store::LabelTarget::Latent, p.sub), nullptr) << "a concept's row id is not a latent's";
    // A note without a text keeps the engine's name.
    p.store->setLabel(store::LabelTarget::Concept, p.top, "", "check later");
    run = results::loadRunData(*p.store, p.craft);
    EXPECT_EQ(run.conceptName(run.concepts[0]), "engine name");
}

TEST(ResultsLabels, OnePaletteColoursAConceptByItsTopLevelAncestor) {
    Project p = makeProject("palette.cstudio");
    const auto run = results::loadRunData(*p.store, p.craft);
    EXPECT_EQ(results::conceptColorIndex(run.concepts, run.concepts[0]), 3);
    EXPECT_EQ(results::conceptColorIndex(run.concepts, run.concepts[1]), 3) << "a sub-concept takes its parent's colour";
    EXPECT_EQ(results::conceptColorHex(0), "#4e79a7");  // Tableau-10 blue
    std::set<std::string> colours;
    for (int i = 0; i < 40; ++i) colours.insert(results::conceptColorHex(i));
    EXPECT_EQ(colours.size(), 40u) << "the first 40 concepts are told apart";
}

TEST(ResultsLabels, SearchFindsLabelsNotesTagsTitleWordsAndRunNames) {
    Project p = makeProject("search.cstudio");
    p.store->setLabel(store::LabelTarget::Concept, p.top, "Striped Fur", "only on zebras");
    p.store->setLabel(store::LabelTarget::Latent, p.latent, "space opera", "");

    auto found = results::searchProject(*p.store, "striped");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].runId, p.craft);
    ASSERT_EQ(found[0].hits.size(), 1u);
    EXPECT_EQ(found[0].hits[0].kind, results::SearchHitKind::Concept);
    EXPECT_EQ(found[0].hits[0].rowId, p.top);
    EXPECT_EQ(found[0].hits[0].field, "label");

    found = results::searchProject(*p.store, "ZEBRAS");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].hits[0].field, "note");

    found = results::searchProject(*p.store, "sci-fi");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].runId, p.sae);
    EXPECT_EQ(found[0].hits[0].rowId, p.latent);
    EXPECT_EQ(found[0].hits[0].index, 17);
    EXPECT_EQ(found[0].hits[0].field, "tag");
    EXPECT_EQ(results::searchProject(*p.store, "galax")[0].hits[0].field, "title word");

    // "zebra" is the CRAFT run's class (a run hit) and in its concept's note: one group, two hits.
    found = results::searchProject(*p.store, "zebra");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].hits.size(), 2u);
    EXPECT_EQ(found[0].hits[0].kind, results::SearchHitKind::Run);

    // Newest run first.
    p.store->setLabel(store::LabelTarget::Latent, p.latent, "space opera", "striped too");
    found = results::searchProject(*p.store, "striped");
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0].runId, p.sae);
    EXPECT_TRUE(results::searchProject(*p.store, "   ").empty());
    EXPECT_TRUE(results::searchProject(*p.store, "nowhere at all").empty());
}

TEST(ResultsLabels, HeadlinesComeFromTheStoredSummary) {
    Project p = makeProject("headlines.cstudio");
    auto text = [](const std::vector<results::Headline>& list) {
        std::string all;
        for (const auto& h : list) all += h.name + "=" + h.value + ";";
        return all;
    };
    EXPECT_EQ(text(results::runHeadlines(results::loadRunData(*p.store, p.craft))),
              "images=40;concepts=1;NMF relative error=0.250;deletion AUC (random)=0.200 (0.400);");
    EXPECT_EQ(text(results::runHeadlines(results::loadRunData(*p.store, p.sae))),
              "latents=64;confident latents=5;dead latents=12.5 %;FVU=0.080;NDCG@10 model / through SAE=0.310 / 0.290;");
}
