#pragma once
// The load-time treatment every TorchScript model path gets (docs/models.md): freeze the methods
// the adapter calls (parameters and batch norms folded into constants), run the frozen-graph
// optimisations on each, and make an inference-optimised copy (oneDNN) for float32 inputs that
// need no gradient. The copy is only a candidate: its owner checks it against the frozen module
// on a probe input and drops it when it disagrees. Includes LibTorch: only for .cpp files.
#include <torch/script.h>

#include <string>
#include <vector>

namespace cs::model {

struct FrozenModule {
    torch::jit::Module frozen;                  // autograd-capable (gradients with respect to inputs)
    c10::optional<torch::jit::Module> fast;     // inference-optimised copy, or none when a pass failed
};

// Throws cs::Error(path, "freezing the module failed: ...") when freezing itself fails.
FrozenModule freezeForInference(const torch::jit::Module& module, const std::string& path,
                                const std::vector<std::string>& methods, bool optimizeForInference);

}  // namespace cs::model
