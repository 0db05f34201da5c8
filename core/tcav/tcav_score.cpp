#include "tcav/tcav_score.h"

#include "craft/image_activations.h"
#include "common/error.h"
#include "model/model_adapter.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace cs::tcav {

at::Tensor pooledActivations(model::VisionModel& model, const std::string& layer, const at::Tensor& images, int64_t batch,
                             const std::function<void()>& afterBatch) {
    torch::NoGradGuard noGrad;
    at::Tensor a = craft::imageActivations(model, layer, images, batch, afterBatch);
    if (a.dim() == 4) a = a.mean({2, 3});
    if (a.dim() != 2) throw Error(model.info().path, "activations at '" + layer + "' are neither N×C×H×W nor N×C");
    return a.to(torch::kFloat64);
}

at::Tensor classLogitGradients(model::VisionModel& model, const std::string& layer, const at::Tensor& images, int64_t classIndex,
                               int64_t batch, const std::function<void()>& afterBatch) {
    std::vector<at::Tensor> parts;
    for (int64_t start = 0; start < images.size(0); start += batch) {
        at::Tensor a;
        {
            torch::NoGradGuard noGrad;
            a = model.activations(images.slice(0, start, std::min(start + batch, images.size(0))), layer);
        }
        a = a.detach().clone().requires_grad_(true);
        torch::AutoGradMode enableGrad(true);
        const at::Tensor logits = model.logitsFrom(a, layer);
        if (classIndex < 0 || classIndex >= logits.size(1))
            throw Error(model.info().path, "class " + std::to_string(classIndex) + " is not one of the model's " +
                                               std::to_string(logits.size(1)) + " classes");
        // Each image's logit depends on its own activations only, so one backward pass of the
        // batch's sum gives every image's gradient.
        at::Tensor gradient = torch::autograd::grad({logits.select(1, classIndex).sum()}, {a}, {}, false, false, true)[0];
        if (!gradient.defined()) gradient = torch::zeros_like(a);
        parts.push_back((gradient.dim() == 4 ? gradient.sum({2, 3}) : gradient).detach().to(torch::kFloat64));
        if (afterBatch) afterBatch();
    }
    if (parts.empty()) throw Error("TCAV", "there are no images of the class to score");
    return torch::cat(parts);
}

double tcavScore(const at::Tensor& gradients, const Cav& cav) {
    const at::Tensor derivatives = gradients.to(torch::kFloat64).matmul(cavDirection(cav));
    return (derivatives > 0).to(torch::kFloat64).mean().item<double>();
}

namespace {

// Rows of `pool` at `indices`.
at::Tensor rowsAt(const at::Tensor& pool, const at::Tensor& indices) { return pool.index_select(0, indices); }

struct Split {
    at::Tensor train, heldOut;
};

// A random split of the rows, keeping at least one row on each side.
Split splitRows(const at::Tensor& rows, double heldOutShare) {
    const int64_t n = rows.size(0);
    const int64_t heldOut = std::clamp<int64_t>(std::llround(n * heldOutShare), 1, n - 1);
    const at::Tensor order = torch::randperm(n, torch::kLong);
    return {rowsAt(rows, order.slice(0, heldOut)), rowsAt(rows, order.slice(0, 0, heldOut))};
}

}  // namespace

TcavResult runTcavExperiment(const TcavActivations& in, const TcavOptions& options, const std::function<void(int)>& afterRun) {
    const at::Tensor& concept = *in.concept;
    const at::Tensor& counterPool = *in.counterPool;
    const at::Tensor& randomPool = *in.randomPool;
    const at::Tensor& gradients = *in.classGradients;
    if (options.randomRuns < 2) throw Error("TCAV", "needs at least 2 random runs for the t-test (10 or more is advised)");
    if (concept.size(0) < 2) throw Error("TCAV", "needs at least 2 concept example images");
    const int64_t n = concept.size(0);
    // Counter-examples and random set of one run: as many as the concept examples, fewer when the
    // pools are small, but at least 2 each.
    const int64_t counterCount = std::min(n, in.sameRandomPool ? counterPool.size(0) / 2 : counterPool.size(0));
    const int64_t randomCount = std::min(n, in.sameRandomPool ? randomPool.size(0) - counterCount : randomPool.size(0));
    if (counterCount < 2 || randomCount < 2)
        throw Error("TCAV", "needs at least " + std::string(in.sameRandomPool ? "4 random images" : "2 counter-examples and 2 random images") +
                                " to draw counter-examples and random sets from");

    torch::manual_seed(options.seed);
    TcavResult result;
    double accuracySum = 0.0;
    for (int run = 0; run < options.randomRuns; ++run) {
        const at::Tensor counterOrder = torch::randperm(counterPool.size(0), torch::kLong);
        const at::Tensor counter = rowsAt(counterPool, counterOrder.slice(0, 0, counterCount));
        const at::Tensor randomSet =
            in.sameRandomPool ? rowsAt(randomPool, counterOrder.slice(0, counterCount, counterCount + randomCount))
                              : rowsAt(randomPool, torch::randperm(randomPool.size(0), torch::kLong).slice(0, 0, randomCount));
        const Split conceptSplit = splitRows(concept, options.heldOutShare);
        const Split counterSplit = splitRows(counter, options.heldOutShare);
        const Cav conceptCav = learnCav(conceptSplit.train, counterSplit.train, options.method);
        accuracySum += cavAccuracy(conceptCav, conceptSplit.heldOut, counterSplit.heldOut);
        result.conceptScores.push_back(tcavScore(gradients, conceptCav));
        result.randomScores.push_back(tcavScore(gradients, learnCav(randomSet, counter, options.method)));
        if (afterRun) afterRun(run);
    }
    double sum = 0.0;
    for (double s : result.conceptScores) sum += s;
    result.tcavScore = sum / static_cast<double>(result.conceptScores.size());
    result.cavAccuracy = accuracySum / options.randomRuns;
    result.test = studentTTest(result.conceptScores, result.randomScores);
    result.significant = result.test.pValue < options.alpha;
    result.cav = learnCav(concept, counterPool, options.method);
    return result;
}

std::string significanceVerdict(const TcavResult& result, double alpha) {
    char text[256];
    if (result.significant)
        std::snprintf(text, sizeof text, "significant (p = %.3g < %.3g)", result.test.pValue, alpha);
    else
        std::snprintf(text, sizeof text,
                      "not significant (p = %.3g >= %.3g): the concept's scores cannot be told apart from those of random image sets",
                      result.test.pValue, alpha);
    return text;
}

}  // namespace cs::tcav
