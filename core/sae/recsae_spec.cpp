#include "sae/recsae_spec.h"

#include <cstdio>

namespace cs::sae {

namespace {
// Every digit a double needs to come back unchanged.
std::string doubleText(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
}
}  // namespace

std::vector<std::string> toCliArguments(const RecSaeOptions& options) {
    std::vector<std::string> args{"recsae"};
    const auto add = [&args](const char* option, std::string value) {
        args.emplace_back(option);
        args.push_back(std::move(value));
    };
    add("--project", options.projectPath);
    add("--model", options.modelPath);
    add("--adapter", options.loader.adapter);
    for (const std::string& dir : options.loader.pluginDirs) add("--plugin-dir", dir);
    add("--interactions", options.interactionsPath);
    add("--format", options.format.empty() ? std::string("auto") : options.format);
    if (!options.itemMetaPath.empty()) add("--item-meta", options.itemMetaPath);
    add("--sae", toString(options.sae.family));
    add("--expansion", std::to_string(options.sae.expansion));
    if (options.sae.latentCount > 0) add("--latents", std::to_string(options.sae.latentCount));
    add("--k", std::to_string(options.sae.k));
    if (options.sae.sparsityCoefficient >= 0) add("--sparsity-coefficient", doubleText(options.sae.sparsityCoefficient));
    add("--epochs", std::to_string(options.sae.epochs));
    add("--seed", std::to_string(options.sae.seed));
    return args;
}

}  // namespace cs::sae
