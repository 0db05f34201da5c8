#include "tcav/cav.h"

#include "common/error.h"

#include <torch/torch.h>

#include <cmath>

namespace cs::tcav {

const char* toString(CavMethod method) { return method == CavMethod::Logistic ? "logistic" : "fastcav"; }

CavMethod cavMethodFromString(const std::string& text) {
    if (text == "fastcav") return CavMethod::FastCav;
    if (text == "logistic") return CavMethod::Logistic;
    throw UsageError("--cav must be 'fastcav' or 'logistic', not '" + text + "'");
}

namespace {

void checkSets(const at::Tensor& concept, const at::Tensor& counter) {
    if (concept.dim() != 2 || counter.dim() != 2 || concept.size(0) == 0 || counter.size(0) == 0)
        throw Error("CAV", "needs at least one concept example and one counter-example");
    if (concept.size(1) != counter.size(1))
        throw Error("CAV", "concept activations have " + std::to_string(concept.size(1)) + " channels and counter-examples " +
                               std::to_string(counter.size(1)));
}

Cav fromTensors(at::Tensor w, double b) {
    const double norm = w.norm().item<double>();
    if (!(norm > 1e-12) || !std::isfinite(norm))
        throw Error("CAV", "the concept examples and the counter-examples have the same activations at this layer; no direction separates them");
    w = (w / norm).contiguous();
    Cav cav;
    cav.direction.assign(w.data_ptr<double>(), w.data_ptr<double>() + w.numel());
    cav.offset = b / norm;
    return cav;
}

// FastCAV (Schmalwasser et al., 2025, Sec. 3): with μ the mean over both sets, the CAV is the mean
// of the centred concept activations, proportional to the difference of the two class means. The
// decision boundary passes through the midpoint of the two class means rather than through μ:
// with sets of unequal size μ lies near the larger set, and a boundary there misclassifies much
// of it (the direction, and so the TCAV score, is the same either way).
Cav fastCav(const at::Tensor& concept, const at::Tensor& counter) {
    const at::Tensor mu = torch::cat({concept, counter}).mean(0);
    const at::Tensor w = (concept - mu).mean(0);
    const at::Tensor midpoint = (concept.mean(0) + counter.mean(0)) / 2;
    return fromTensors(w, -torch::dot(w, midpoint).item<double>());
}

// min_w,b ½‖w‖² + C Σ log(1 + exp(−y (w·x + b))), y = ±1, intercept not penalised: scikit-learn's
// LogisticRegression objective (penalty='l2', C=1). Newton's method converges in a few steps on the
// few hundred rows and ≤ a few thousand channels of a CAV; lbfgs, scikit-learn's solver, reaches the
// same minimum (the objective is strictly convex).
Cav logisticCav(const at::Tensor& concept, const at::Tensor& counter) {
    constexpr double C = 1.0;
    const int64_t n = concept.size(0) + counter.size(0), d = concept.size(1);
    const at::Tensor X = torch::cat({torch::cat({concept, counter}), torch::ones({n, 1}, torch::kFloat64)}, 1);
    const at::Tensor t = torch::cat({torch::ones({concept.size(0)}, torch::kFloat64), torch::zeros({counter.size(0)}, torch::kFloat64)});
    at::Tensor penalty = torch::ones({d + 1}, torch::kFloat64);
    penalty[d] = 0.0;  // the intercept is not penalised
    at::Tensor theta = torch::zeros({d + 1}, torch::kFloat64);
    auto objective = [&](const at::Tensor& th) {
        const at::Tensor z = X.matmul(th);
        const at::Tensor y = 2 * t - 1;
        return (0.5 * (penalty * th * th).sum() + C * torch::nn::functional::softplus(-y * z).sum()).item<double>();
    };
    double current = objective(theta);
    for (int iteration = 0; iteration < 100; ++iteration) {
        const at::Tensor p = torch::sigmoid(X.matmul(theta));
        const at::Tensor gradient = penalty * theta + C * X.t().matmul(p - t);
        const at::Tensor hessian = torch::diag(penalty) + C * X.t().matmul(X * (p * (1 - p)).unsqueeze(1)) +
                                   1e-10 * torch::eye(d + 1, torch::kFloat64);
        const at::Tensor step = torch::linalg_solve(hessian, gradient);
        // Backtracking keeps Newton monotone on nearly separable sets, where full steps overshoot.
        double scale = 1.0, next = 0.0;
        at::Tensor candidate;
        for (int halving = 0; halving < 30; ++halving, scale *= 0.5) {
            candidate = theta - scale * step;
            next = objective(candidate);
            if (next <= current) break;
        }
        theta = candidate;
        const double decrease = current - next;
        current = next;
        if (gradient.abs().max().item<double>() < 1e-8 || decrease < 1e-12 * std::max(1.0, std::abs(current))) break;
    }
    return fromTensors(theta.slice(0, 0, d).clone(), theta[d].item<double>());
}

}  // namespace

Cav learnCav(const at::Tensor& conceptIn, const at::Tensor& counterIn, CavMethod method) {
    checkSets(conceptIn, counterIn);
    const at::Tensor concept = conceptIn.to(torch::kFloat64), counter = counterIn.to(torch::kFloat64);
    return method == CavMethod::Logistic ? logisticCav(concept, counter) : fastCav(concept, counter);
}

at::Tensor cavDirection(const Cav& cav) {
    return torch::tensor(cav.direction, torch::kFloat64);
}

double cavAccuracy(const Cav& cav, const at::Tensor& concept, const at::Tensor& counter) {
    checkSets(concept, counter);
    const at::Tensor w = cavDirection(cav);
    const int64_t right = (concept.to(torch::kFloat64).matmul(w) + cav.offset > 0).sum().item<int64_t>() +
                          (counter.to(torch::kFloat64).matmul(w) + cav.offset <= 0).sum().item<int64_t>();
    return static_cast<double>(right) / static_cast<double>(concept.size(0) + counter.size(0));
}

}  // namespace cs::tcav
