#pragma once
// ForwardGraph: a TorchScript module's forward graph with every call inlined, knowing which value
// in it is each submodule's output. It answers where a cut is possible (and why not) and splits
// the graph at a layer into g (input -> the layer's output) and h (that tensor -> the model's
// output), the graph surgery behind "any model, no wrapper" (docs/models.md). Works the same on
// scripted and traced modules: both keep submodule calls as prim::CallMethod until inlined.
// Includes LibTorch: only for .cpp files.
#include <torch/script.h>

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace torch::jit {
class AliasDb;
}

namespace cs::model {

struct LayerCut {
    std::string name;                     // dotted path of the submodule, e.g. "layer4.1"
    bool cuttable = false;
    std::string reason;                   // why a cut is not possible there (empty when it is)
    torch::jit::Value* output = nullptr;  // the layer's output in the inlined graph, when it is one value
};

struct SplitGraphs {
    std::shared_ptr<torch::jit::Graph> g;  // (self, x) -> the layer's output
    std::shared_ptr<torch::jit::Graph> h;  // (self, a) -> the model's output
};

class ForwardGraph {
public:
    // Throws cs::Error(path, ...) when forward does not take exactly one input.
    ForwardGraph(const torch::jit::Module& module, const std::string& path);

    // Every submodule, in the module's own order (named_modules).
    const std::vector<LayerCut>& layers() const { return layers_; }

    // One forward call on x that also returns every layer's output: layer -> shape (tensor
    // outputs only), and the model's output in `modelOutput`.
    std::map<std::string, std::vector<int64_t>> probeShapes(const torch::jit::Module& module, const at::Tensor& x,
                                                            c10::IValue& modelOutput) const;

    // g and h at `layer`; throws cs::Error naming the reason when no cut is possible there.
    SplitGraphs split(const std::string& layer) const;

private:
    void inlineCalls();
    void findLiveValues();
    void describeLayers(const torch::jit::Module& module);
    std::string crossingValues(torch::jit::Value* cut) const;
    bool writtenAfter(const torch::jit::AliasDb& aliases, torch::jit::Value* cut) const;
    void addNearestCuts();
    torch::jit::Node* topLevelOwner(torch::jit::Node* node) const;
    size_t positionOf(torch::jit::Node* node) const;
    std::string describeValue(torch::jit::Value* value) const;

    std::string path_;
    std::shared_ptr<torch::jit::Graph> graph_;
    std::unordered_map<torch::jit::Value*, std::vector<std::string>> producedBy_;  // value -> layers it is the output of
    std::map<std::string, int> callCount_;
    std::unordered_set<const torch::jit::Value*> liveValues_;  // values that depend on the input
    std::unordered_set<const torch::jit::Node*> liveNodes_;
    std::unordered_map<const torch::jit::Node*, size_t> positions_;  // top-level nodes, in order
    std::unordered_set<const torch::jit::Value*> mutatedLater_;     // layer outputs that an in-place op writes to
    std::vector<LayerCut> layers_;
};

}  // namespace cs::model
