#pragma once
// The sparse-autoencoder families RecSAE can train (docs/recsae.md, "SAE families"), by name.
// No LibTorch here (library cs_recsae_spec): the command line and the studio's dialog name a
// family without linking the engine; sparse_autoencoder.h builds one.
#include <string>
#include <vector>

namespace cs::sae {

enum class SaeFamily {
    TopK,        // Gao et al. 2024: the k largest pre-activations per sample (RecSAE's)
    BatchTopK,   // Bussmann et al. 2024: the k·B largest over a batch; a threshold at inference
    JumpRelu,    // Rajamanoharan et al. 2024: learned per-latent thresholds, L0 penalty
    Matryoshka,  // Bussmann et al. 2025: BatchTopK whose nested latent prefixes each reconstruct
    ReluL1,      // Bricken et al. 2023 / Anthropic 2024: ReLU, decoder-norm-weighted L1 penalty
};

// "topk", "batchtopk", "jumprelu", "matryoshka", "relu-l1".
const char* toString(SaeFamily family);
// Throws cs::Error naming the accepted names on anything else.
SaeFamily saeFamilyFromString(const std::string& name);
// Every family's name, in the enum's order (the CLI's allowed values).
std::vector<std::string> saeFamilyNames();

}  // namespace cs::sae
