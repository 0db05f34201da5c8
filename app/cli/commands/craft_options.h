#pragma once
// The options of `concept-studio-cli craft`, bound to a CraftJobSpec (craft/craft_spec.h). This is
// the parser whose inverse is craft::toCliArguments; its defaults are the spec's, so they are
// written once (CraftOptions) and `--help` shows them.
#include "craft/craft_spec.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace cs::cli {

class CraftCommandLine {
public:
    // Adds every option of the craft command to `command`, each bound to this object.
    void addOptions(CLI::App& command);
    // The run the parsed options describe.
    craft::CraftJobSpec spec() const;
    // --json: where to write the run's summary; empty for none.
    const std::string& jsonOut() const { return jsonOut_; }

private:
    craft::CraftJobSpec spec_;
    // Choices are parsed as names and turned into the spec's enums by spec().
    std::string sobolDesign_ = craft::toString(spec_.options.sobolDesign);
    std::string negativeActivations_ = craft::toString(spec_.options.negativeActivations);
    std::vector<std::string> dictionaries_{craft::toString(spec_.options.dictionary)};
    std::vector<std::string> importances_{craft::toString(spec_.options.importance)};
    std::string jsonOut_;
    CLI::Option* dictionaryOption_ = nullptr;  // to know whether --dictionary was given
};

}  // namespace cs::cli
