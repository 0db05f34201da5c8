#include "sae/recsae_spec.h"

namespace cs::sae {

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
    add("--k", std::to_string(options.sae.k));
    add("--epochs", std::to_string(options.sae.epochs));
    add("--seed", std::to_string(options.sae.seed));
    return args;
}

}  // namespace cs::sae
