#include "model/forward_graph.h"

#include "common/error.h"
#include "model/torchscript_support.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/alias_analysis.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/inliner.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <optional>

namespace cs::model {
namespace {

using torch::jit::Block;
using torch::jit::Graph;
using torch::jit::Node;
using torch::jit::Value;

constexpr size_t kAfterEverything = std::numeric_limits<size_t>::max();

// The dotted path of a module value built by prim::GetAttr from `self` ("" for self itself);
// nullopt for a module that comes from anywhere else (a list element, a function argument).
std::optional<std::string> modulePath(Value* value, const Value* self) {
    std::vector<std::string> parts;
    while (value != self) {
        Node* node = value->node();
        if (node->kind() != c10::prim::GetAttr) return std::nullopt;
        parts.push_back(node->s(c10::attr::name));
        value = node->input(0);
    }
    std::string out;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) out += (out.empty() ? "" : ".") + *it;
    return out;
}

void collectCalls(Block* block, std::vector<Node*>& calls) {
    for (Node* node : block->nodes()) {
        if (node->kind() == c10::prim::CallMethod || node->kind() == c10::prim::CallFunction) calls.push_back(node);
        for (Block* sub : node->blocks()) collectCalls(sub, calls);
    }
}

std::string joined(const std::vector<std::string>& names, const char* separator = ", ") {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : separator) + name;
    return out;
}

bool isTensor(const Value* value) { return value->type()->cast<c10::TensorType>() != nullptr; }

// Inserts `x.clone()` right after x's definition (or at the start of the graph for an input) and
// returns it: the copy that an in-place op later in the graph cannot change.
Value* cloneAfterDefinition(Graph& graph, Value* x) {
    Node* anchor = x->node()->kind() == c10::prim::Param ? graph.block()->nodes().front() : x->node()->next();
    torch::jit::WithInsertPoint guard(anchor);
    return graph.insert(c10::aten::clone, {x});
}

}  // namespace

ForwardGraph::ForwardGraph(const torch::jit::Module& module, const std::string& path) : path_(path) {
    auto forward = module.find_method("forward");
    if (!forward) throw Error(path, "has no forward method; the layer tree needs forward(x: Tensor) -> Tensor");
    graph_ = forward->graph()->copy();
    if (graph_->inputs().size() != 2)
        throw Error(path, "forward takes " + std::to_string(graph_->inputs().size() - 1) +
                              " inputs; a split at a layer needs forward(x: Tensor) with one image batch");
    inlineCalls();
    findLiveValues();
    describeLayers(module);
    addNearestCuts();
}

// Inlines every method and function call, recording which submodule each call's result belongs
// to. A value returned by a call that is itself inlined later (Sequential returning its last
// child's output) passes its layer names on to the value that replaces it.
void ForwardGraph::inlineCalls() {
    const Value* self = graph_->inputs()[0];
    std::unordered_set<Node*> notInlinable;
    for (;;) {
        std::vector<Node*> calls;
        collectCalls(graph_->block(), calls);
        calls.erase(std::remove_if(calls.begin(), calls.end(), [&](Node* n) { return notInlinable.count(n) > 0; }), calls.end());
        if (calls.empty()) break;
        for (Node* call : calls) {
            torch::jit::GraphFunction* function = torch::jit::tryToGraphFunction(call);
            if (!function) {
                notInlinable.insert(call);
                continue;
            }
            std::optional<std::string> layer;
            if (call->kind() == c10::prim::CallMethod && call->s(c10::attr::name) == "forward")
                layer = modulePath(call->input(0), self);
            std::vector<std::vector<std::string>> carried;
            for (Value* out : call->outputs()) {
                auto it = producedBy_.find(out);
                carried.push_back(it == producedBy_.end() ? std::vector<std::string>{} : it->second);
                if (it != producedBy_.end()) producedBy_.erase(it);
            }
            // A function call's first input is the function itself, not an argument (as in Inline).
            if (call->kind() == c10::prim::CallFunction) call->removeInput(0);
            // false: the callee's own graph, whose submodule calls are still calls (the default,
            // its optimised graph, has them inlined already and the layers would be lost).
            const std::vector<Value*> outputs = torch::jit::inlineCallTo(call, function, false);
            for (size_t i = 0; i < outputs.size() && i < carried.size(); ++i)
                for (auto& name : carried[i]) producedBy_[outputs[i]].push_back(name);
            if (layer && !layer->empty()) {
                ++callCount_[*layer];
                if (outputs.size() == 1) producedBy_[outputs[0]].push_back(*layer);
            }
        }
    }
}

// A value is live when it depends on the input image; what is not live (constants, parameters,
// shapes of parameters) can be recomputed on either side of a cut.
void ForwardGraph::findLiveValues() {
    for (size_t i = 1; i < graph_->inputs().size(); ++i) liveValues_.insert(graph_->inputs()[i]);
    std::function<bool(Block*)> visit = [&](Block* block) {
        bool anyLive = false;
        for (Node* node : block->nodes()) {
            bool live = std::any_of(node->inputs().begin(), node->inputs().end(), [&](Value* v) { return liveValues_.count(v) > 0; });
            for (Block* sub : node->blocks()) {
                if (live)
                    for (Value* param : sub->inputs()) liveValues_.insert(param);
                if (visit(sub)) live = true;
            }
            if (live) {
                liveNodes_.insert(node);
                for (Value* out : node->outputs()) liveValues_.insert(out);
                anyLive = true;
            }
        }
        for (Value* out : block->outputs())
            if (liveValues_.count(out)) anyLive = true;
        return anyLive;
    };
    visit(graph_->block());
    size_t position = 0;
    for (Node* node : graph_->nodes()) positions_[node] = position++;
}

Node* ForwardGraph::topLevelOwner(Node* node) const {
    while (node->owningBlock() != graph_->block()) node = node->owningBlock()->owningNode();
    return node;
}

size_t ForwardGraph::positionOf(Node* node) const {
    if (node == graph_->return_node()) return kAfterEverything;
    if (node->kind() == c10::prim::Param) return 0;
    auto it = positions_.find(topLevelOwner(node));
    return it == positions_.end() ? kAfterEverything : it->second;
}

std::string ForwardGraph::describeValue(Value* value) const {
    std::string out = "%" + value->debugName();
    auto it = producedBy_.find(value);
    if (value->node()->kind() == c10::prim::Param) out += " (the model's input)";
    else if (it != producedBy_.end()) out += " (output of " + joined(it->second, " = ") + ")";
    else out += " (from " + std::string(value->node()->kind().toQualString()) + ")";
    return out;
}

// The live values defined before the cut that a node after it still uses: the skip connections
// over the cut. Empty when h can start from the cut's tensor alone.
std::string ForwardGraph::crossingValues(Value* cut) const {
    const size_t at = positionOf(cut->node());
    std::vector<std::string> crossing;
    auto check = [&](Value* value) {
        if (value == cut || !liveValues_.count(value)) return;
        for (const auto& use : value->uses()) {
            if (positionOf(use.user) > at) {
                crossing.push_back(describeValue(value) + " used by " + use.user->kind().toQualString());
                return;
            }
        }
    };
    for (Value* input : graph_->inputs()) check(input);
    for (Node* node : graph_->nodes()) {
        if (positions_.at(node) > at) break;
        for (Value* out : node->outputs()) check(out);
    }
    return joined(crossing, "; ");
}

// Whether an in-place op after the cut writes to the cut's memory (ReLU(inplace=True) after a
// batch norm); the ops that made the value (a block's closing add_ and relu_) do not count.
bool ForwardGraph::writtenAfter(const torch::jit::AliasDb& aliases, Value* cut) const {
    const size_t at = positionOf(cut->node());
    for (Node* node : graph_->nodes())
        if (positions_.at(node) > at && aliases.writesToAlias(node, {cut})) return true;
    return false;
}

void ForwardGraph::describeLayers(const torch::jit::Module& module) {
    std::map<std::string, Value*> outputOf;
    for (const auto& [value, names] : producedBy_)
        for (const auto& name : names) outputOf[name] = value;
    torch::jit::AliasDb aliases(graph_);
    for (const auto& item : module.named_modules()) {
        if (item.name.empty()) continue;  // the model itself
        LayerCut layer;
        layer.name = item.name;
        const int calls = callCount_.count(item.name) ? callCount_.at(item.name) : 0;
        auto found = outputOf.find(item.name);
        layer.output = found == outputOf.end() ? nullptr : found->second;
        if (calls == 0) layer.reason = "forward never calls it";
        else if (calls > 1)
            layer.reason = "forward calls it " + std::to_string(calls) + " times, so it has no single output (a shared module)";
        else if (!layer.output) layer.reason = "its output is not a single value";
        else if (!isTensor(layer.output))
            layer.reason = "it returns a " + layer.output->type()->annotation_str() + ", not a tensor";
        else if (layer.output->node()->kind() == c10::prim::Param) layer.reason = "its output is the model's input";
        else if (layer.output->node()->owningBlock() != graph_->block())
            layer.reason = "forward calls it inside an if or a loop, so it has no single output";
        else if (std::string crossing = crossingValues(layer.output); !crossing.empty())
            layer.reason = "values computed before the cut are used after it (a skip connection over the cut): " + crossing;
        layer.cuttable = layer.reason.empty();
        if (layer.cuttable && writtenAfter(aliases, layer.output)) mutatedLater_.insert(layer.output);
        layers_.push_back(std::move(layer));
    }
}

// A refused cut names the closest layers before and after it where a cut works.
void ForwardGraph::addNearestCuts() {
    for (LayerCut& layer : layers_) {
        if (layer.cuttable || !layer.output || layer.reason.rfind("values computed before", 0) != 0) continue;
        const size_t at = positionOf(layer.output->node());
        const LayerCut *before = nullptr, *after = nullptr;
        size_t beforeAt = 0, afterAt = kAfterEverything;
        for (const LayerCut& other : layers_) {
            if (!other.cuttable) continue;
            const size_t p = positionOf(other.output->node());
            // Of layers with the same output (layer4 and layer4.1), the innermost is named.
            if (p < at && (!before || p > beforeAt || (p == beforeAt && other.name.size() > before->name.size())))
                before = &other, beforeAt = p;
            if (p > at && (!after || p < afterAt || (p == afterAt && other.name.size() > after->name.size())))
                after = &other, afterAt = p;
        }
        std::vector<std::string> nearest;
        if (before) nearest.push_back(before->name + " (before)");
        if (after) nearest.push_back(after->name + " (after)");
        layer.reason += nearest.empty() ? "; no layer of this model can be cut" : "; nearest layers where a cut works: " + joined(nearest);
    }
}

std::map<std::string, std::vector<int64_t>> ForwardGraph::probeShapes(const torch::jit::Module& module, const at::Tensor& x,
                                                                     c10::IValue& modelOutput) const {
    auto probe = std::make_shared<Graph>();
    Value* self = probe->addInput("self")->setType(graph_->inputs()[0]->type());
    Value* input = probe->addInput("x")->setType(graph_->inputs()[1]->type());
    std::unordered_map<Value*, Value*> copied;
    const std::vector<Value*> outputs = torch::jit::insertGraph(*probe, *graph_, {self, input}, copied);
    std::vector<std::string> names;
    std::vector<Value*> values;
    for (const LayerCut& layer : layers_) {
        if (!layer.output || !isTensor(layer.output) || layer.output->node()->owningBlock() != graph_->block()) continue;
        names.push_back(layer.name);
        values.push_back(copied.at(layer.output));
    }
    values.push_back(outputs.at(0));
    probe->registerOutput(probe->insertNode(probe->createTuple(values))->output());
    torch::jit::GraphFunction function(c10::QualifiedName("cs_probe"), probe, nullptr);
    c10::IValue result;
    try {
        result = function({module._ivalue(), x});
    } catch (const c10::Error& e) {
        throw Error(path_, "the probe call on an input of shape " + std::string(c10::str(x.sizes())) +
                               " failed: " + firstLine(e.what_without_backtrace()) + " (give the input size with --input-size C,H,W)");
    } catch (const std::exception& e) {
        throw Error(path_, "the probe call on an input of shape " + std::string(c10::str(x.sizes())) + " failed: " +
                               firstLine(e.what()) + " (give the input size with --input-size C,H,W)");
    }
    const auto& elements = result.toTupleRef().elements();
    std::map<std::string, std::vector<int64_t>> shapes;
    for (size_t i = 0; i < names.size(); ++i)
        if (elements[i].isTensor()) shapes[names[i]] = elements[i].toTensor().sizes().vec();
    modelOutput = elements.back();
    return shapes;
}

SplitGraphs ForwardGraph::split(const std::string& layerName) const {
    auto layer = std::find_if(layers_.begin(), layers_.end(), [&](const LayerCut& l) { return l.name == layerName; });
    if (layer == layers_.end()) {
        std::vector<std::string> some;
        for (const LayerCut& l : layers_)
            if (l.cuttable && some.size() < 8) some.push_back(l.name);
        throw Error(path_, "has no layer '" + layerName + "' (layers where a cut works include: " + joined(some) +
                               "; `concept-studio-cli layers --model " + path_ + "` lists them all)");
    }
    if (!layer->cuttable) throw Error(path_, "cannot be cut at '" + layerName + "': " + layer->reason);
    Value* cut = layer->output;
    const bool cloneCut = mutatedLater_.count(cut) > 0;  // an in-place op after the cut would change it
    const at::TypePtr selfType = graph_->inputs()[0]->type();

    SplitGraphs out;
    const size_t at = positionOf(cut->node());
    // g: the nodes up to the cut, the cut as its output. Nothing after the cut can change what g
    // returns (a later in-place write to the cut is why h clones it), so those nodes are not copied:
    // dead-code elimination alone kept them, as it keeps every in-place op (relu_, add_) it cannot
    // prove harmless, and g then ran the whole network.
    out.g = std::make_shared<Graph>();
    {
        Value* self = out.g->addInput("self")->setType(selfType);
        Value* x = out.g->addInput("x")->setType(graph_->inputs()[1]->type());
        std::unordered_map<Value*, Value*> copied{{graph_->inputs()[0], self}, {graph_->inputs()[1], x}};
        auto mapped = [&](Value* v) -> Value* {
            auto it = copied.find(v);
            if (it == copied.end()) throw Error(path_, "splitting at '" + layerName + "' needs " + describeValue(v) + " from after the cut");
            return it->second;
        };
        if (cut->node()->owningBlock() == graph_->block() || cut->node()->kind() == c10::prim::Param) {
            for (Node* node : graph_->nodes()) {
                if (positions_.at(node) > at) break;
                Node* copy = out.g->insertNode(out.g->createClone(node, mapped));
                for (size_t i = 0; i < node->outputs().size(); ++i) copied[node->outputs()[i]] = copy->outputs()[i];
            }
            out.g->registerOutput(mapped(cut));
        } else {
            // A cut inside a sub-block (an if or a loop): the whole graph, trimmed by dead-code elimination.
            std::unordered_map<Value*, Value*> all;
            torch::jit::insertGraph(*out.g, *graph_, {self, x}, all);
            Value* result = all.at(cut);
            if (cloneCut) result = cloneAfterDefinition(*out.g, result);
            out.g->registerOutput(result);
        }
        torch::jit::EliminateDeadCode(out.g);
    }
    // h: what depends on the input only up to the cut belongs to g; h copies every node after the
    // cut, and the input-independent ones before it (constants, parameters) that they use.
    out.h = std::make_shared<Graph>();
    {
        Value* self = out.h->addInput("self")->setType(selfType);
        Value* a = out.h->addInput("a")->setType(c10::TensorType::get());
        std::unordered_map<Value*, Value*> copied{{graph_->inputs()[0], self}, {cut, a}};
        auto mapped = [&](Value* v) -> Value* {
            auto it = copied.find(v);
            if (it == copied.end()) throw Error(path_, "splitting at '" + layerName + "' needs " + describeValue(v) + " from before the cut");
            return it->second;
        };
        for (Node* node : graph_->nodes()) {
            if (positions_.at(node) <= at && liveNodes_.count(node)) continue;
            Node* copy = out.h->insertNode(out.h->createClone(node, mapped));
            for (size_t i = 0; i < node->outputs().size(); ++i) copied[node->outputs()[i]] = copy->outputs()[i];
        }
        for (Value* result : graph_->outputs()) out.h->registerOutput(mapped(result));
        if (cloneCut) {
            Value* safe = cloneAfterDefinition(*out.h, a);
            a->replaceAllUsesAfterNodeWith(safe->node(), safe);
        }
        torch::jit::EliminateDeadCode(out.h);
    }
    return out;
}

}  // namespace cs::model
