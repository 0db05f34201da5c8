#include "commands/craft_options.h"

namespace cs::cli {

void CraftCommandLine::addOptions(CLI::App& sub) {
    craft::CraftOptions& o = spec_.options;
    sub.add_option("--project", spec_.projectPath, "Project file (.cstudio), created if missing")->required();
    sub.add_option("--model", spec_.modelPath, "TorchScript model (any, scripted or traced) or a plugin's model file")->required();
    sub.add_option("--adapter", spec_.adapter, "Model adapter (auto, torchscript-split, torchscript-graph, or a plugin adapter)");
    sub.add_option("--input-size", spec_.inputSize, "Model input size C,H,W (default: the model's, else 3,224,224)")
        ->delimiter(',')
        ->expected(3);
    sub.add_option("--mean", spec_.mean, "Per-channel mean to normalise with (default: the model's, else ImageNet's)")->delimiter(',');
    sub.add_option("--std", spec_.std, "Per-channel std to normalise with (default: the model's, else ImageNet's)")->delimiter(',');
    sub.add_option("--class-names", spec_.classNames, "Class names: @file.txt (one per line) or a,b,c (default: the model's)");
    sub.add_option("--plugin-dir", spec_.pluginDirs, "Extra folder to search for plugins (repeatable)")->check(CLI::ExistingDirectory);
    sub.add_option("--images", spec_.imagesPath, "Image folder, ImageFolder tree, or IDX file")->required();
    sub.add_option("--class", spec_.classSpec, "Class index or class name")->required();
    sub.add_option("--layer", o.layer, "Probe point to factorise (e.g. layer4)")->required();
    sub.add_option("--concepts", o.concepts, "Number of concepts r")->capture_default_str()->check(CLI::Range(int64_t{1}, int64_t{1000}));
    sub.add_option("--patch-size", o.patchSize, "Crop size in model-input pixels (stride = int(0.8*p))")
        ->capture_default_str()
        ->check(CLI::Range(int64_t{1}, int64_t{4096}));
    sub.add_option("--sobol-designs", o.sobolDesigns, "Sobol design points per image")->capture_default_str()->check(CLI::Range(int64_t{2}, int64_t{100000}));
    sub.add_option("--sobol-design", sobolDesign_, "Design: sobol (scrambled Sobol', default), reference (unscrambled Halton), random")
        ->capture_default_str()
        ->check(CLI::IsMember({"sobol", "reference", "random"}));
    dictionaryOption_ = sub.add_option("--dictionary", dictionaries_,
                   "Concept dictionary: nmf (the reference's), pca, kmeans, semi-nmf (signed activations; the default at a signed layer), "
                   "sae (TopK sparse autoencoder), archetypal (convex NMF). Several, comma-separated, compare methods: one run each, "
                   "one activation pass, one group")
        ->capture_default_str()
        ->delimiter(',')
        ->check(CLI::IsMember({"nmf", "pca", "kmeans", "semi-nmf", "sae", "archetypal"}));
    sub.add_option("--importance", importances_,
                   "Concept importance: sobol (the reference's), occlusion, rise, gradient-input, integrated-gradients. Several, "
                   "comma-separated, compare estimators (with each dictionary)")
        ->capture_default_str()
        ->delimiter(',')
        ->check(CLI::IsMember({"sobol", "occlusion", "rise", "gradient-input", "integrated-gradients"}));
    sub.add_flag("!--no-activation-cache", spec_.activationCache,
                 "Compute g anew rather than reuse the activations an earlier run of the same model, layer, images and crops kept in the project");
    sub.add_option("--recursive-layers", o.recursiveLayers, "Earlier probe points for the concept tree, e.g. layer3,layer2")->delimiter(',');
    sub.add_option("--sub-concepts", o.subConcepts, "Sub-concepts per concept in the tree")->capture_default_str()->check(CLI::Range(int64_t{1}, int64_t{100}));
    sub.add_option("--batch-size", o.cropBatch,
                   "Crops per forward pass of g: the largest memory cost of a run (the first layers' maps of a batch)")
        ->capture_default_str()
        ->check(CLI::Range(int64_t{1}, int64_t{4096}));
    sub.add_option("--seed", o.seed, "Seed for the randomised design and random orders")->capture_default_str();
    sub.add_option("--max-images", spec_.maxImages, "Use at most N images of the class (0 = all)")->capture_default_str()->check(CLI::Range(int64_t{0}, int64_t{10000000}));
    sub.add_flag("--filter-predicted", o.filterPredicted, "Keep only images the model predicts as the class");
    sub.add_flag("--strict", spec_.strictImages, "Stop at the first unreadable image instead of skipping it with a warning");
    sub.add_option("--negative-activations", negativeActivations_, "What to do with negative activations: refuse, relu, shift")
        ->capture_default_str()
        ->check(CLI::IsMember({"refuse", "relu", "shift"}));
    sub.add_option("--map-images", o.mapImages, "Images that get attribution-map PNGs")->capture_default_str()->check(CLI::Range(int64_t{0}, int64_t{100000}));
    sub.add_flag("!--no-implicit-maps", o.implicitMaps, "Skip the implicit-differentiation maps");
    sub.add_flag("--stability", o.stability, "Also measure the concepts' stability (refits the dictionary on two halves and another seed)");
    sub.add_option("--json", jsonOut_, "Write the run's summary as JSON to this file");
}

craft::CraftJobSpec CraftCommandLine::spec() const {
    craft::CraftJobSpec spec = spec_;
    spec.options.sobolDesign = craft::sobolDesignFromString(sobolDesign_);
    spec.options.negativeActivations = craft::negativeActivationsFromString(negativeActivations_);
    for (const auto& d : dictionaries_) spec.dictionaries.push_back(craft::conceptDictionaryMethodFromString(d));
    for (const auto& i : importances_) spec.importances.push_back(craft::conceptImportanceMethodFromString(i));
    spec.options.dictionary = spec.dictionaries.front();
    spec.options.dictionaryGiven = dictionaryOption_ && dictionaryOption_->count() > 0;
    spec.options.importance = spec.importances.front();
    // One of each is a single run, described by the options alone.
    if (spec.dictionaries.size() == 1 && spec.importances.size() == 1) {
        spec.dictionaries.clear();
        spec.importances.clear();
    }
    return spec;
}

}  // namespace cs::cli
