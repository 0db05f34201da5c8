// A run spec survives spec → command line (toCliArguments) → the CLI's parser → spec, so the
// studio, which starts runs through concept-studio-cli, runs exactly what its dialog describes.
#include "commands/craft_options.h"
#include "commands/recsae_options.h"
#include "sae/recsae_spec.h"
#include "sae/sae_family.h"
#include "common/error.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

namespace {

using cs::craft::CraftJobSpec;

// Parses `arguments` (subcommand first) with the craft command's own options.
CraftJobSpec parseCraft(const std::vector<std::string>& arguments) {
    CLI::App app;
    cs::cli::CraftCommandLine commandLine;
    commandLine.addOptions(*app.add_subcommand("craft"));
    std::vector<std::string> reversed(arguments.rbegin(), arguments.rend());  // CLI11 takes them last first
    app.parse(reversed);
    return commandLine.spec();
}

// Parses `arguments` (subcommand first) with the recsae command's own options.
cs::sae::RecSaeOptions parseRecSae(const std::vector<std::string>& arguments) {
    CLI::App app;
    cs::cli::RecSaeCommandLine commandLine;
    commandLine.addOptions(*app.add_subcommand("recsae"));
    std::vector<std::string> reversed(arguments.rbegin(), arguments.rend());  // CLI11 takes them last first
    app.parse(reversed);
    return commandLine.options();
}

void expectSameRecSaeCliValues(const cs::sae::RecSaeOptions& a, const cs::sae::RecSaeOptions& b) {
    EXPECT_EQ(a.projectPath, b.projectPath);
    EXPECT_EQ(a.modelPath, b.modelPath);
    EXPECT_EQ(a.loader.adapter, b.loader.adapter);
    EXPECT_EQ(a.loader.pluginDirs, b.loader.pluginDirs);
    EXPECT_EQ(a.interactionsPath, b.interactionsPath);
    EXPECT_EQ(a.format, b.format);
    EXPECT_EQ(a.itemMetaPath, b.itemMetaPath);
    EXPECT_EQ(a.sae.family, b.sae.family);
    EXPECT_EQ(a.sae.expansion, b.sae.expansion);
    EXPECT_EQ(a.sae.latentCount, b.sae.latentCount);
    EXPECT_EQ(a.sae.sparsityCoefficient, b.sae.sparsityCoefficient);
    EXPECT_EQ(a.sae.k, b.sae.k);
    EXPECT_EQ(a.sae.epochs, b.sae.epochs);
    EXPECT_EQ(a.sae.seed, b.sae.seed);
}

CraftJobSpec requiredOnly() {
    CraftJobSpec spec;
    spec.projectPath = "/p/x.cstudio";
    spec.modelPath = "/m/model.pt";
    spec.imagesPath = "/d/images";
    spec.classSpec = "Sneaker";
    spec.options.layer = "layer4";
    return spec;
}

void expectSameCliValues(const CraftJobSpec& a, const CraftJobSpec& b) {
    EXPECT_EQ(a.projectPath, b.projectPath);
    EXPECT_EQ(a.modelPath, b.modelPath);
    EXPECT_EQ(a.adapter, b.adapter);
    EXPECT_EQ(a.pluginDirs, b.pluginDirs);
    EXPECT_EQ(a.imagesPath, b.imagesPath);
    EXPECT_EQ(a.classSpec, b.classSpec);
    EXPECT_EQ(a.maxImages, b.maxImages);
    EXPECT_EQ(a.inputSize, b.inputSize);
    EXPECT_EQ(a.mean, b.mean);
    EXPECT_EQ(a.std, b.std);
    EXPECT_EQ(a.classNames, b.classNames);
    const auto& x = a.options;
    const auto& y = b.options;
    EXPECT_EQ(x.layer, y.layer);
    EXPECT_EQ(x.concepts, y.concepts);
    EXPECT_EQ(x.patchSize, y.patchSize);
    EXPECT_EQ(x.sobolDesigns, y.sobolDesigns);
    EXPECT_EQ(x.sobolDesign, y.sobolDesign);
    EXPECT_EQ(x.dictionary, y.dictionary);
    EXPECT_EQ(x.dictionaryGiven, y.dictionaryGiven);
    EXPECT_EQ(x.importance, y.importance);
    EXPECT_EQ(x.recursiveLayers, y.recursiveLayers);
    EXPECT_EQ(x.subConcepts, y.subConcepts);
    EXPECT_EQ(x.cropBatch, y.cropBatch);
    EXPECT_EQ(x.seed, y.seed);
    EXPECT_EQ(x.filterPredicted, y.filterPredicted);
    EXPECT_EQ(x.negativeActivations, y.negativeActivations);
    EXPECT_EQ(x.mapImages, y.mapImages);
    EXPECT_EQ(x.implicitMaps, y.implicitMaps);
    EXPECT_EQ(x.stability, y.stability);
    EXPECT_EQ(a.dictionaries, b.dictionaries);
    EXPECT_EQ(a.importances, b.importances);
    EXPECT_EQ(a.activationCache, b.activationCache);
}

TEST(RunSpec, CraftSpecWithEveryOptionChangedSurvivesTheCommandLine) {
    CraftJobSpec spec = requiredOnly();
    const CraftJobSpec defaults;
    spec.adapter = "torchscript-split";
    // --plugin-dir must name existing folders.
    spec.pluginDirs = {std::filesystem::temp_directory_path().string(), std::filesystem::current_path().string()};
    spec.maxImages = 25;
    spec.inputSize = {3, 96, 128};
    spec.mean = {0.5f, 0.25f, 0.125f};
    spec.std = {0.229f, 0.224f, 0.225f};
    spec.classNames = "@classes.txt";
    auto& o = spec.options;
    o.concepts = 7;
    o.patchSize = 48;
    o.sobolDesigns = 40;
    o.sobolDesign = cs::craft::SobolDesign::Random;
    o.dictionary = cs::craft::ConceptDictionaryMethod::SemiNmf;
    o.dictionaryGiven = true;
    o.importance = cs::craft::ConceptImportanceMethod::Rise;
    o.recursiveLayers = {"layer3", "layer2"};
    o.subConcepts = 3;
    o.cropBatch = 8;
    o.seed = 12345678901ULL;  // beyond 32 bits
    o.filterPredicted = true;
    o.negativeActivations = cs::craft::NegativeActivations::Shift;
    o.mapImages = 3;
    o.implicitMaps = false;
    o.stability = true;
    // Each value really differs from its default, or the round trip would prove nothing.
    EXPECT_NE(spec.adapter, defaults.adapter);
    EXPECT_NE(o.concepts, defaults.options.concepts);
    EXPECT_NE(o.patchSize, defaults.options.patchSize);
    EXPECT_NE(o.sobolDesigns, defaults.options.sobolDesigns);
    EXPECT_NE(o.sobolDesign, defaults.options.sobolDesign);
    EXPECT_NE(o.dictionary, defaults.options.dictionary);
    EXPECT_NE(o.importance, defaults.options.importance);
    EXPECT_NE(o.subConcepts, defaults.options.subConcepts);
    EXPECT_NE(o.cropBatch, defaults.options.cropBatch);
    EXPECT_NE(o.seed, defaults.options.seed);
    EXPECT_NE(o.filterPredicted, defaults.options.filterPredicted);
    EXPECT_NE(o.negativeActivations, defaults.options.negativeActivations);
    EXPECT_NE(o.mapImages, defaults.options.mapImages);
    EXPECT_NE(o.implicitMaps, defaults.options.implicitMaps);
    EXPECT_NE(o.stability, defaults.options.stability);
    EXPECT_NE(spec.maxImages, defaults.maxImages);
    EXPECT_NE(o.dictionaryGiven, defaults.options.dictionaryGiven);
    spec.activationCache = false;
    EXPECT_NE(spec.activationCache, defaults.activationCache);

    expectSameCliValues(parseCraft(cs::craft::toCliArguments(spec)), spec);
}

// Several dictionaries or estimators: a comparison, whose lists survive the command line in order;
// the options then name the first of each, as the CLI parser sets them.
TEST(RunSpec, AMethodComparisonSurvivesTheCommandLine) {
    CraftJobSpec spec = requiredOnly();
    spec.dictionaries = {cs::craft::ConceptDictionaryMethod::Pca, cs::craft::ConceptDictionaryMethod::Nmf};
    spec.importances = {cs::craft::ConceptImportanceMethod::Sobol, cs::craft::ConceptImportanceMethod::GradientInput,
                        cs::craft::ConceptImportanceMethod::Occlusion};
    spec.options.dictionary = cs::craft::ConceptDictionaryMethod::Pca;
    spec.options.dictionaryGiven = true;
    EXPECT_EQ(cs::craft::methodPairs(spec).size(), 6u);
    EXPECT_EQ(cs::craft::methodPairs(spec)[1], std::make_pair(cs::craft::ConceptDictionaryMethod::Pca, cs::craft::ConceptImportanceMethod::GradientInput));
    expectSameCliValues(parseCraft(cs::craft::toCliArguments(spec)), spec);
    // One of each is a single run: no lists after parsing.
    const CraftJobSpec single = parseCraft({"craft", "--project", "/p/x.cstudio", "--model", "/m/model.pt", "--images", "/d/images", "--class",
                                            "Sneaker", "--layer", "layer4", "--dictionary", "kmeans", "--importance", "rise"});
    EXPECT_TRUE(single.dictionaries.empty() && single.importances.empty());
    EXPECT_EQ(single.options.dictionary, cs::craft::ConceptDictionaryMethod::KMeans);
    EXPECT_EQ(cs::craft::methodPairs(single).size(), 1u);
}

TEST(RunSpec, CraftDefaultsAreTheCommandLineDefaults) {
    const CraftJobSpec spec = requiredOnly();
    expectSameCliValues(parseCraft(cs::craft::toCliArguments(spec)), spec);
    // Only the required options given: the parser's defaults are the spec's.
    expectSameCliValues(parseCraft({"craft", "--project", "/p/x.cstudio", "--model", "/m/model.pt", "--images", "/d/images", "--class",
                                    "Sneaker", "--layer", "layer4"}),
                        spec);
}

TEST(RunSpec, EveryCraftOptionOfTheCommandIsWritten) {
    CraftJobSpec spec = requiredOnly();
    spec.pluginDirs = {std::filesystem::temp_directory_path().string()};
    spec.options.recursiveLayers = {"layer3"};
    spec.options.filterPredicted = true;
    spec.options.implicitMaps = false;
    spec.options.dictionaryGiven = true;
    spec.inputSize = {3, 32, 32};
    spec.mean = {0.5f};
    spec.std = {0.25f};
    spec.classNames = "a,b";
    spec.strictImages = true;
    spec.options.stability = true;
    spec.activationCache = false;
    const std::vector<std::string> arguments = cs::craft::toCliArguments(spec);
    EXPECT_EQ(arguments.front(), "craft");
    CLI::App app;
    cs::cli::CraftCommandLine commandLine;
    CLI::App* craft = app.add_subcommand("craft");
    commandLine.addOptions(*craft);
    for (const CLI::Option* option : craft->get_options()) {
        if (option->get_lnames().empty()) continue;
        const std::string name = "--" + option->get_lnames().front();
        if (name == "--help" || name == "--json") continue;  // not part of the run
        EXPECT_NE(std::find(arguments.begin(), arguments.end(), name), arguments.end()) << name;
    }
}

TEST(RunSpec, RecSaeOptionsBecomeTheRecsaeCommandLine) {
    cs::sae::RecSaeOptions options;
    options.projectPath = "/p/x.cstudio";
    options.modelPath = "/m/sasrec.pt";
    options.interactionsPath = "/d/ratings.dat";
    options.format = "movielens";
    options.itemMetaPath = "/d/items.tsv";
    options.loader.adapter = "torchscript-recommender";
    options.sae.expansion = 4;
    options.sae.k = 8;
    options.sae.epochs = 3;
    options.sae.seed = 9;
    const std::vector<std::string> arguments = cs::sae::toCliArguments(options);
    const std::vector<std::string> expected{"recsae",       "--project", "/p/x.cstudio", "--model",     "/m/sasrec.pt",
                                            "--adapter",    "torchscript-recommender",   "--interactions", "/d/ratings.dat",
                                            "--format",     "movielens", "--item-meta",  "/d/items.tsv", "--sae",
                                            "topk",         "--expansion", "4",          "--k",         "8",
                                            "--epochs",     "3",         "--seed",       "9"};
    EXPECT_EQ(arguments, expected);
    options.itemMetaPath.clear();
    const std::vector<std::string> withoutMeta = cs::sae::toCliArguments(options);
    EXPECT_EQ(std::find(withoutMeta.begin(), withoutMeta.end(), "--item-meta"), withoutMeta.end());  // optional and empty
}

TEST(RunSpec, RecSaeOptionsWithEveryOptionChangedSurviveTheCommandLine) {
    cs::sae::RecSaeOptions options;
    options.projectPath = "/p/x.cstudio";
    options.modelPath = "/m/sasrec.pt";
    options.interactionsPath = "/d/ratings.dat";
    options.format = "rechorus";
    options.itemMetaPath = "/d/items.tsv";
    options.loader.adapter = "torchscript-recommender";
    options.loader.pluginDirs = {std::filesystem::temp_directory_path().string()};
    options.sae.expansion = 3;
    options.sae.k = 5;
    options.sae.epochs = 7;
    options.sae.seed = 11;
    options.sae.family = cs::sae::SaeFamily::Matryoshka;
    options.sae.latentCount = 48;
    options.sae.sparsityCoefficient = 0.1;  // not exact in binary: must come back unchanged
    const cs::sae::RecSaeOptions defaults;
    ASSERT_NE(options.sae.family, defaults.sae.family);
    ASSERT_NE(options.format, defaults.format);
    ASSERT_NE(options.sae.expansion, defaults.sae.expansion);
    ASSERT_NE(options.sae.k, defaults.sae.k);
    ASSERT_NE(options.sae.epochs, defaults.sae.epochs);
    expectSameRecSaeCliValues(parseRecSae(cs::sae::toCliArguments(options)), options);
}

TEST(RunSpec, EverySaeFamilySurvivesTheCommandLine) {
    cs::sae::RecSaeOptions options;
    options.projectPath = "/p/x.cstudio";
    options.modelPath = "/m/sasrec.pt";
    options.interactionsPath = "/d/ratings.dat";
    const std::vector<std::string> names = cs::sae::saeFamilyNames();
    ASSERT_EQ(names.size(), 5u);
    for (const std::string& name : names) {
        options.sae.family = cs::sae::saeFamilyFromString(name);
        EXPECT_EQ(cs::sae::toString(options.sae.family), name);
        const auto parsed = parseRecSae(cs::sae::toCliArguments(options));
        EXPECT_EQ(parsed.sae.family, options.sae.family) << name;
    }
    EXPECT_THROW(parseRecSae({"recsae", "--project", "/p/x.cstudio", "--model", "/m/sasrec.pt", "--interactions",
                              "/d/ratings.dat", "--sae", "gated"}),
                 CLI::ParseError);
    EXPECT_THROW(cs::sae::saeFamilyFromString("TopK"), cs::Error);
}

TEST(RunSpec, RecSaeDefaultsAreTheCommandLineDefaults) {
    cs::sae::RecSaeOptions options;
    options.projectPath = "/p/x.cstudio";
    options.modelPath = "/m/sasrec.pt";
    options.interactionsPath = "/d/ratings.dat";
    expectSameRecSaeCliValues(parseRecSae({"recsae", "--project", "/p/x.cstudio", "--model", "/m/sasrec.pt", "--interactions",
                                           "/d/ratings.dat"}),
                              options);
}

TEST(RunSpec, EveryRecSaeOptionOfTheCommandIsWritten) {
    cs::sae::RecSaeOptions options;
    options.itemMetaPath = "/d/items.tsv";
    options.sae.latentCount = 48;              // optional: written when set
    options.sae.sparsityCoefficient = 0.3;     // optional: written when set
    options.loader.pluginDirs = {std::filesystem::temp_directory_path().string()};
    const std::vector<std::string> arguments = cs::sae::toCliArguments(options);
    CLI::App app;
    cs::cli::RecSaeCommandLine commandLine;
    CLI::App* recsae = app.add_subcommand("recsae");
    commandLine.addOptions(*recsae);
    for (const CLI::Option* option : recsae->get_options()) {
        if (option->get_lnames().empty()) continue;
        const std::string name = "--" + option->get_lnames().front();
        if (name == "--help" || name == "--json") continue;  // not part of the run
        EXPECT_NE(std::find(arguments.begin(), arguments.end(), name), arguments.end()) << name;
    }
}

}  // namespace
