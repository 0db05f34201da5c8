#pragma once
// The `concept-studio-cli recsae` command line of a RecSAE run (docs/recsae.md, docs/cli.md).
// RecSaeOptions (sae/recsae_job.h) holds the run's inputs and parameters with their defaults; the
// studio fills one in its New Run dialog and starts the run through the CLI. No LibTorch here
// (library cs_recsae_spec), so the studio links it without the engine.
#include "sae/recsae_job.h"

#include <string>
#include <vector>

namespace cs::sae {

// "recsae" followed by one option per value the command line exposes, so that
// `concept-studio-cli <arguments>` runs `options`. An empty item-metadata path and empty lists
// leave their option out; values the command line does not expose keep their defaults.
std::vector<std::string> toCliArguments(const RecSaeOptions& options);

}  // namespace cs::sae
