#include "model/frozen_module.h"

#include "common/error.h"
#include "model/torchscript_support.h"

#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/passes/frozen_conv_add_relu_fusion.h>
#include <torch/csrc/jit/passes/frozen_graph_optimizations.h>
#include <torch/csrc/jit/passes/frozen_linear_transpose.h>
#include <torch/csrc/jit/passes/frozen_ops_to_mkldnn.h>

namespace cs::model {
namespace {

// torch.jit.optimize_for_inference's passes (conv+add+relu fusion, frozen ops to oneDNN/MKLDNN
// layouts, linear transposes) applied to each method, since optimize_for_inference itself
// insists on a `forward`. The result cannot be differentiated and takes float32 only.
torch::jit::Module inferenceOptimised(const torch::jit::Module& frozen, const std::vector<std::string>& methods) {
    torch::jit::Module fast = frozen.clone();
    for (const auto& method : methods) {
        std::shared_ptr<torch::jit::Graph> graph = fast.get_method(method).graph();
        torch::jit::FuseFrozenConvAddRelu(graph);
        torch::jit::ConvertFrozenOpsToMKLDNN(graph);
        torch::jit::FrozenLinearTranspose(graph);
    }
    return fast;
}

}  // namespace

FrozenModule freezeForInference(const torch::jit::Module& module, const std::string& path,
                                const std::vector<std::string>& methods, bool optimizeForInference) {
    FrozenModule out{module, c10::nullopt};
    // Freezing folds parameters and batch norms into constants; autograd with respect to the
    // input (implicit-differentiation maps) still works because only parameters are frozen.
    // torch::jit::freeze optimises only forward (and requires it): freeze the given methods and
    // run the frozen-graph optimisations (conv/batch-norm folding) on each.
    try {
        out.frozen = torch::jit::freeze_module(module, methods);
        for (const auto& method : methods) {
            std::shared_ptr<torch::jit::Graph> graph = out.frozen.get_method(method).graph();
            torch::jit::OptimizeFrozenGraph(graph, true);
        }
    } catch (const std::exception& e) {
        throw Error(path, std::string("freezing the module failed: ") + firstLine(e.what()));
    }
    if (optimizeForInference) {
        try {
            out.fast = inferenceOptimised(out.frozen, methods);
        } catch (const std::exception&) {
            out.fast = c10::nullopt;  // the frozen module alone still works
        }
    }
    return out;
}

}  // namespace cs::model
