#pragma once
// The options of one CRAFT run, defined once for every front end (docs/craft.md, docs/cli.md):
//  - CraftOptions: the engine's parameters, with their defaults;
//  - CraftJobSpec: the run's inputs (project, model, images, class) plus its options;
//  - toCliArguments: the `concept-studio-cli craft` command line that runs a spec, the inverse of
//    what the craft command parses.
// No LibTorch here (library cs_craft_spec): the studio fills a spec in its New Run dialog and
// starts the run through the CLI without linking the engine.
#include "craft/crops.h"
#include "craft/sobol.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cs::craft {

// How concepts are extracted and how their importance is estimated (concept_dictionary.h,
// concept_importance.h). NMF and Sobol are the reference's; the others are those Holistic CRAFT
// (Fel et al., NeurIPS 2023) compares them with (docs/craft.md "Methods").
enum class ConceptDictionaryMethod { Nmf, Pca, KMeans, SemiNmf, Sae, Archetypal };
enum class ConceptImportanceMethod { Sobol, Occlusion, Rise, GradientInput, IntegratedGradients };

// "nmf", "pca", "kmeans", "semi-nmf", "sae", "archetypal"; "sobol", "occlusion", "rise", "gradient-input",
// "integrated-gradients". FromString throws cs::Error on
// another name.
// NMF alone needs non-negative activations; the other dictionaries factorise signed ones.
inline bool factorisesSignedActivations(ConceptDictionaryMethod method) { return method != ConceptDictionaryMethod::Nmf; }

const char* toString(ConceptDictionaryMethod method);
ConceptDictionaryMethod conceptDictionaryMethodFromString(const std::string& text);
const char* toString(ConceptImportanceMethod method);
ConceptImportanceMethod conceptImportanceMethodFromString(const std::string& text);

struct CraftOptions {
    std::string layer;               // probe point (e.g. "layer4")
    int64_t classIndex = 0;
    int64_t concepts = 10;           // r (reference default 20; CLI default 10)
    int64_t patchSize = 64;
    int64_t stride = 0;              // 0 = int(0.8·patch)
    int64_t cropBatch = 32;          // crops per g forward (reference: 64; 32 keeps a 300-image run under 1 GB at the same speed)
    int64_t hBatch = 64;             // rows per h forward (reference: batch_size 64); small enough that a rebuilt block stays in cache
    int nmfMaxIterations = 200;
    double nmfTolerance = 1e-4;
    int64_t sobolDesigns = 32;
    SobolDesign sobolDesign = SobolDesign::ScrambledSobol;  // the tests show it closer to exact indices
    uint64_t seed = 0;
    ConceptDictionaryMethod dictionary = ConceptDictionaryMethod::Nmf;  // the reference's
    // Whether the user named the dictionary. When not, a run at a layer with signed activations
    // (a transformer block) uses Semi-NMF instead of NMF, and says so, rather than refusing (craft_job.cpp).
    bool dictionaryGiven = false;
    ConceptImportanceMethod importance = ConceptImportanceMethod::Sobol;  // the reference's
    NegativeActivations negativeActivations = NegativeActivations::Refuse;
    bool filterPredicted = false;    // keep only images the model predicts as classIndex (xplique's CraftManager)
    // Maps
    int64_t mapConcepts = 5;         // top concepts drawn per image
    int64_t mapImages = 16;          // images that get PNG maps (U maps are kept for all)
    double mapPercentile = 90.0;     // reference: 90th percentile over all images
    bool implicitMaps = true;
    // Faithfulness
    int64_t randomOrders = 8;        // random concept orders averaged as the baseline
    // Metrics (docs/craft.md "Metrics"): stability refits the dictionary three times, so it is asked for
    bool stability = false;
    // Recursive tree
    std::vector<std::string> recursiveLayers;  // earlier probe points, e.g. {"layer3", "layer2"}
    int64_t subConcepts = 4;
    int64_t cropsPerConcept = 48;    // crops where a concept is strongest, decomposed at the next layer
    int64_t subSobolCrops = 16;      // crops used to weight sub-concepts
    int64_t topCrops = 10;           // best crops listed per concept
};

struct CraftJobSpec {
    std::string projectPath;
    std::string modelPath;
    std::string adapter = "auto";
    std::vector<std::string> pluginDirs;
    std::string imagesPath;
    std::string classSpec;       // class index ("3") or class name ("Sneaker")
    int64_t maxImages = 0;       // 0 = every image of the class
    bool strictImages = false;   // stop at the first unreadable image (--strict) instead of skipping it
    bool freezeModel = true;     // torch::jit::freeze the TorchScript module (faster g and h)
    // Input handling for a model that declares none (docs/models.md); empty = the model's own,
    // else the adapter's default (ImageNet's mean and std, 3×224×224 for a plain TorchScript model).
    std::vector<int64_t> inputSize;  // {C, H, W}
    std::vector<float> mean, std;
    std::string classNames;          // "@file.txt" (one name per line) or "a,b,c"; empty = the model's own
    CraftOptions options;        // options.classIndex is resolved from classSpec
    // A method comparison (docs/craft.md "Comparing methods") when either list has more than one
    // entry: one run per dictionary × importance estimator, in that order, sharing one activation
    // pass and stored as one group. Empty = options.dictionary / options.importance alone.
    std::vector<ConceptDictionaryMethod> dictionaries;
    std::vector<ConceptImportanceMethod> importances;
    // Share activation passes with earlier and later runs through the project (activation_cache.h).
    bool activationCache = true;
};

// The (dictionary, importance estimator) pairs a spec runs, in order: one for a single run.
std::vector<std::pair<ConceptDictionaryMethod, ConceptImportanceMethod>> methodPairs(const CraftJobSpec& spec);

// "craft" followed by one option per value the command line exposes, so that
// `concept-studio-cli <arguments>` runs `spec`. Empty lists leave their option out and flags
// appear only when they differ from the default; values the command line does not expose
// (stride, NMF iterations, map percentile, ...) keep their defaults in the CLI.
std::vector<std::string> toCliArguments(const CraftJobSpec& spec);

}  // namespace cs::craft
