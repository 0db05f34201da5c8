#include "craft/craft_spec.h"

#include "common/error.h"

#include <iomanip>
#include <sstream>

namespace cs::craft {

// The option names live here rather than beside the algorithms (sobol.cpp, crops.cpp) so that
// the spec library needs no LibTorch.

const char* toString(SobolDesign design) {
    switch (design) {
        case SobolDesign::Reference: return "reference";
        case SobolDesign::ScrambledSobol: return "sobol";
        case SobolDesign::Random: return "random";
    }
    return "reference";
}

SobolDesign sobolDesignFromString(const std::string& text) {
    if (text == "reference" || text == "halton") return SobolDesign::Reference;
    if (text == "sobol" || text == "scrambled-sobol") return SobolDesign::ScrambledSobol;
    if (text == "random" || text == "mc") return SobolDesign::Random;
    throw Error("sobol-design", "unknown design '" + text + "' (expected reference, sobol or random)");
}

const char* toString(NegativeActivations mode) {
    switch (mode) {
        case NegativeActivations::Refuse: return "refuse";
        case NegativeActivations::Relu: return "relu";
        case NegativeActivations::Shift: return "shift";
    }
    return "refuse";
}

NegativeActivations negativeActivationsFromString(const std::string& text) {
    if (text == "refuse") return NegativeActivations::Refuse;
    if (text == "relu") return NegativeActivations::Relu;
    if (text == "shift") return NegativeActivations::Shift;
    throw Error("negative-activations", "unknown mode '" + text + "' (expected refuse, relu or shift)");
}

const char* toString(ConceptDictionaryMethod method) {
    switch (method) {
        case ConceptDictionaryMethod::Nmf: return "nmf";
        case ConceptDictionaryMethod::Pca: return "pca";
        case ConceptDictionaryMethod::KMeans: return "kmeans";
        case ConceptDictionaryMethod::SemiNmf: return "semi-nmf";
        case ConceptDictionaryMethod::Sae: return "sae";
        case ConceptDictionaryMethod::Archetypal: return "archetypal";
    }
    return "nmf";
}

ConceptDictionaryMethod conceptDictionaryMethodFromString(const std::string& text) {
    if (text == "nmf") return ConceptDictionaryMethod::Nmf;
    if (text == "pca") return ConceptDictionaryMethod::Pca;
    if (text == "kmeans") return ConceptDictionaryMethod::KMeans;
    if (text == "semi-nmf") return ConceptDictionaryMethod::SemiNmf;
    if (text == "sae") return ConceptDictionaryMethod::Sae;
    if (text == "archetypal") return ConceptDictionaryMethod::Archetypal;
    throw Error("dictionary", "unknown concept dictionary '" + text +
                                  "' (expected nmf, pca, kmeans, semi-nmf, sae or archetypal)");
}

const char* toString(ConceptImportanceMethod method) {
    switch (method) {
        case ConceptImportanceMethod::Sobol: return "sobol";
        case ConceptImportanceMethod::Occlusion: return "occlusion";
        case ConceptImportanceMethod::Rise: return "rise";
        case ConceptImportanceMethod::GradientInput: return "gradient-input";
        case ConceptImportanceMethod::IntegratedGradients: return "integrated-gradients";
    }
    return "sobol";
}

ConceptImportanceMethod conceptImportanceMethodFromString(const std::string& text) {
    if (text == "sobol") return ConceptImportanceMethod::Sobol;
    if (text == "occlusion") return ConceptImportanceMethod::Occlusion;
    if (text == "rise") return ConceptImportanceMethod::Rise;
    if (text == "gradient-input") return ConceptImportanceMethod::GradientInput;
    if (text == "integrated-gradients") return ConceptImportanceMethod::IntegratedGradients;
    throw Error("importance", "unknown importance estimator '" + text + "' (expected sobol, occlusion, rise, gradient-input or integrated-gradients)");
}

namespace {
std::string joined(const std::vector<std::string>& items, char separator) {
    std::string text;
    for (const std::string& item : items) {
        if (!text.empty()) text += separator;
        text += item;
    }
    return text;
}

template <class T>
std::vector<std::string> numbersText(const std::vector<T>& values) {
    std::vector<std::string> out;
    for (const T& v : values) {
        std::ostringstream text;
        text << std::setprecision(9) << v;  // floats round-trip
        out.push_back(text.str());
    }
    return out;
}
}  // namespace

std::vector<std::string> toCliArguments(const CraftJobSpec& spec) {
    const CraftOptions& o = spec.options;
    std::vector<std::string> args{"craft"};
    const auto add = [&args](const char* option, std::string value) {
        args.emplace_back(option);
        args.push_back(std::move(value));
    };
    add("--project", spec.projectPath);
    add("--model", spec.modelPath);
    add("--adapter", spec.adapter);
    for (const std::string& dir : spec.pluginDirs) add("--plugin-dir", dir);
    if (!spec.inputSize.empty()) add("--input-size", joined(numbersText(spec.inputSize), ','));
    if (!spec.mean.empty()) add("--mean", joined(numbersText(spec.mean), ','));
    if (!spec.std.empty()) add("--std", joined(numbersText(spec.std), ','));
    if (!spec.classNames.empty()) add("--class-names", spec.classNames);
    add("--images", spec.imagesPath);
    add("--class", spec.classSpec);
    add("--layer", o.layer);
    add("--concepts", std::to_string(o.concepts));
    add("--patch-size", std::to_string(o.patchSize));
    add("--sobol-designs", std::to_string(o.sobolDesigns));
    add("--sobol-design", toString(o.sobolDesign));
    std::vector<std::string> dictionaries, importances;
    for (auto d : spec.dictionaries) dictionaries.push_back(toString(d));
    for (auto i : spec.importances) importances.push_back(toString(i));
    if (!dictionaries.empty()) add("--dictionary", joined(dictionaries, ','));
    else if (o.dictionaryGiven || o.dictionary != ConceptDictionaryMethod::Nmf) add("--dictionary", toString(o.dictionary));
    add("--importance", importances.empty() ? std::string(toString(o.importance)) : joined(importances, ','));
    if (!o.recursiveLayers.empty()) add("--recursive-layers", joined(o.recursiveLayers, ','));
    add("--sub-concepts", std::to_string(o.subConcepts));
    add("--batch-size", std::to_string(o.cropBatch));
    add("--seed", std::to_string(o.seed));
    add("--max-images", std::to_string(spec.maxImages));
    if (o.filterPredicted) args.emplace_back("--filter-predicted");
    if (spec.strictImages) args.emplace_back("--strict");
    add("--negative-activations", toString(o.negativeActivations));
    add("--map-images", std::to_string(o.mapImages));
    if (!o.implicitMaps) args.emplace_back("--no-implicit-maps");
    if (o.stability) args.emplace_back("--stability");
    if (!spec.activationCache) args.emplace_back("--no-activation-cache");
    return args;
}

std::vector<std::pair<ConceptDictionaryMethod, ConceptImportanceMethod>> methodPairs(const CraftJobSpec& spec) {
    const auto dictionaries = spec.dictionaries.empty() ? std::vector<ConceptDictionaryMethod>{spec.options.dictionary} : spec.dictionaries;
    const auto importances = spec.importances.empty() ? std::vector<ConceptImportanceMethod>{spec.options.importance} : spec.importances;
    std::vector<std::pair<ConceptDictionaryMethod, ConceptImportanceMethod>> pairs;
    for (auto d : dictionaries)
        for (auto i : importances) pairs.emplace_back(d, i);
    return pairs;
}

}  // namespace cs::craft
