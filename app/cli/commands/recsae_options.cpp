#include "commands/recsae_options.h"

#include "sae/sae_family.h"

namespace cs::cli {

void RecSaeCommandLine::addOptions(CLI::App& sub) {
    sae::SaeConfig& sae = options_.sae;
    sub.add_option("--project", options_.projectPath, "Project file (.cstudio), created if missing")->required();
    sub.add_option("--model", options_.modelPath,
                   "Sequential recommender: TorchScript (encode, score, num_items) or a plugin's model file")
        ->required();
    sub.add_option("--adapter", options_.loader.adapter,
                   "Model adapter (auto, torchscript-recommender, or a plugin's recommender adapter)")
        ->capture_default_str();
    sub.add_option("--plugin-dir", options_.loader.pluginDirs, "Extra folder to search for plugins (repeatable)")
        ->check(CLI::ExistingDirectory);
    sub.add_option("--interactions", options_.interactionsPath, "Interaction log")->required();
    sub.add_option("--format", options_.format, "auto | sasrec | rechorus | movielens")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "sasrec", "rechorus", "movielens"}));
    sub.add_option("--item-meta", options_.itemMetaPath, "Item metadata (TSV: item_id, title, genres|categories|tags)");
    sub.add_option_function<std::string>(
           "--sae", [&sae](const std::string& name) { sae.family = sae::saeFamilyFromString(name); },
           "SAE family: topk (RecSAE's), batchtopk, jumprelu, matryoshka, relu-l1 (docs/recsae.md)")
        ->default_str(sae::toString(sae.family))
        ->check(CLI::IsMember(sae::saeFamilyNames()));
    sub.add_option("--expansion", sae.expansion, "Latents per state dimension")
        ->capture_default_str()
        ->check(CLI::Range(int64_t{1}, int64_t{256}));
    sub.add_option("--latents", sae.latentCount, "Number of latents, instead of state dimension x expansion")
        ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
    sub.add_option("--k", sae.k, "Active latents per state (batchtopk, matryoshka: on average over a batch)")->capture_default_str()->check(CLI::Range(int64_t{1}, int64_t{4096}));
    sub.add_option("--sparsity-coefficient", sae.sparsityCoefficient,
                   "relu-l1: lambda of the L1 term (default 5/sqrt(d)); jumprelu: lambda of the L0 term (default 0.01)")
        ->check(CLI::Range(0.0, 1e6));
    sub.add_option("--epochs", sae.epochs, "SAE training epochs")->capture_default_str()->check(CLI::Range(1, 10000));
    sub.add_option("--seed", sae.seed, "Random seed")->capture_default_str();
    sub.add_option("--json", jsonOut_, "Write the run summary as JSON to this file");
}

}  // namespace cs::cli
