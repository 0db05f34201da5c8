// concept-studio-cli layers --model M [--input-size C,H,W] [--json OUT]
// The layer tree of any TorchScript vision model (docs/models.md "Any model, no wrapper"): every
// submodule by dotted path with its output shape from one probe call, and whether a cut there is
// possible (and why not). --json writes [{"name", "shape", "cuttable", "reason"}, ...].
#include "cli_support.h"
#include "command.h"

#include "model/graph_split_model.h"

#include <nlohmann/json.hpp>

#include <iostream>

namespace cs::cli {
namespace {

std::string shapeText(const std::vector<int64_t>& shape) {
    std::string out;
    for (int64_t s : shape) out += (out.empty() ? "" : "×") + std::to_string(s);
    return out.empty() ? "-" : out;
}

class LayersCommand final : public Command {
public:
    std::string name() const override { return "layers"; }
    std::string description() const override {
        return "List a TorchScript model's layers with output shapes and where it can be split";
    }

    void setup(CLI::App& sub) override {
        sub.add_option("--model", modelPath_, "TorchScript model (scripted or traced)")->required();
        sub.add_option("--input-size", inputSize_, "Probe input size C,H,W (default: the model's input_size, else 3,224,224)")
            ->delimiter(',')
            ->expected(3);
        sub.add_option("--json", jsonOut_, "Write the layers as JSON to this file");
    }

    int run() override {
        const model::ModelLayers layers = model::describeLayers(modelPath_, inputSize_);
        // The probe size is told, since a wrong default is the first reason a probe fails.
        std::cerr << "probe input: 2×" << shapeText(layers.inputSize) << " (from " << layers.inputSizeSource << ")\n";
        int cuttable = 0;
        for (const auto& layer : layers.layers) {
            std::cout << (layer.cuttable ? "  + " : "    ") << layer.name << "  " << shapeText(layer.shape);
            if (!layer.cuttable) std::cout << "  (no cut: " << layer.reason << ")";
            std::cout << "\n";
            cuttable += layer.cuttable ? 1 : 0;
        }
        std::cout << layers.layers.size() << " layers, " << cuttable << " where a cut works (marked +); model output "
                  << shapeText(layers.outputShape) << "\n";
        if (!jsonOut_.empty()) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& layer : layers.layers)
                out.push_back({{"name", layer.name}, {"shape", layer.shape}, {"cuttable", layer.cuttable}, {"reason", layer.reason}});
            writeJsonFile(jsonOut_, out);
        }
        return 0;
    }

private:
    std::string modelPath_;
    std::vector<int64_t> inputSize_;
    std::string jsonOut_;
};

CommandRegistrar<LayersCommand> registrar;

}  // namespace
}  // namespace cs::cli
