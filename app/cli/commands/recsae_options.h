#pragma once
// The options of `concept-studio-cli recsae`, bound to a RecSaeOptions (sae/recsae_job.h). This is
// the parser whose inverse is sae::toCliArguments (sae/recsae_spec.h); its defaults are the
// options' own, so they are written once and `--help` shows them.
#include "sae/recsae_job.h"

#include <CLI/CLI.hpp>

#include <string>

namespace cs::cli {

class RecSaeCommandLine {
public:
    // Adds every option of the recsae command to `command`, each bound to this object.
    void addOptions(CLI::App& command);
    // The run the parsed options describe.
    const sae::RecSaeOptions& options() const { return options_; }
    // --json: where to write the run's summary; empty for none.
    const std::string& jsonOut() const { return jsonOut_; }

private:
    sae::RecSaeOptions options_;
    std::string jsonOut_;
};

}  // namespace cs::cli
