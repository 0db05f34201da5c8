#pragma once
// TCAV itself (Kim et al., 2018; docs/tcav.md): the layer's activations of a set of images, the
// gradient of one class's logit with respect to them (LibTorch autograd through h), the TCAV score
// of a CAV (the share of the class's images whose directional derivative along the CAV is
// positive), and the experiment that scores a concept against random CAVs.
//
// Activations are averaged over positions (N×C), so a CAV lives in the channel space where CRAFT's
// concept vectors live and the two can be compared; the directional derivative along such a CAV is
// the gradient summed over positions, dotted with it (the CAV applied at every position).
#include "tcav/cav.h"
#include "tcav/t_test.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace at {
class Tensor;
}
namespace cs::model {
class VisionModel;
}

namespace cs::tcav {

// g(images) at `layer`, averaged over positions: N×C float64. `batch` images per call; afterBatch
// (optional) runs after each call (progress, cancel).
at::Tensor pooledActivations(model::VisionModel& model, const std::string& layer, const at::Tensor& images, int64_t batch,
                             const std::function<void()>& afterBatch = {});

// ∂ logit_classIndex / ∂ g(x) at `layer` for each image, summed over positions: N×C float64.
// Throws cs::Error naming the model when classIndex is not one of its classes.
at::Tensor classLogitGradients(model::VisionModel& model, const std::string& layer, const at::Tensor& images, int64_t classIndex,
                               int64_t batch, const std::function<void()>& afterBatch = {});

// Share of the rows of `gradients` (N×C) whose dot product with the CAV's direction is positive.
double tcavScore(const at::Tensor& gradients, const Cav& cav);

struct TcavOptions {
    CavMethod method = CavMethod::FastCav;
    int randomRuns = 10;          // CAVs of the concept, and of random sets, to compare (≥ 2; TCAV's paper uses 500 for ImageNet)
    double heldOutShare = 1.0 / 3.0;  // of the concept examples and counter-examples, kept out of training to measure accuracy
    double alpha = 0.05;          // significance level of the two-sided t-test
    uint64_t seed = 0;
};

struct TcavResult {
    double tcavScore = 0.0;             // mean of conceptScores
    std::vector<double> conceptScores;  // one per run: the concept's CAV against that run's counter-examples
    std::vector<double> randomScores;   // one per run: a random set's CAV against the same counter-examples
    TTestResult test;                   // conceptScores against randomScores
    bool significant = false;           // test.pValue < alpha
    double cavAccuracy = 0.0;           // mean held-out accuracy of the concept's CAVs
    Cav cav;                            // the concept's CAV learned on every example against every counter-example
};

// The activations the experiment needs, all N×C (pooledActivations). When the counter-examples are
// drawn from the random pool (no folder of counter-examples), sameRandomPool keeps the random set and
// the counter-examples of a run disjoint.
struct TcavActivations {
    const at::Tensor* concept = nullptr;
    const at::Tensor* counterPool = nullptr;
    const at::Tensor* randomPool = nullptr;
    bool sameRandomPool = false;
    const at::Tensor* classGradients = nullptr;  // classLogitGradients of the class's images
};

// Each run i draws counter-examples C_i and a random set R_i (as many as the concept examples, or
// what the pools allow), learns the concept's CAV on a training share of concept vs C_i (accuracy on
// the rest) and a random CAV R_i vs C_i, and scores both on the class's gradients. afterRun
// (optional) runs after each run. Throws cs::Error("TCAV", ...) when the pools are too small.
TcavResult runTcavExperiment(const TcavActivations& activations, const TcavOptions& options,
                             const std::function<void(int run)>& afterRun = {});

// "significant (p = 0.0003 < 0.05)" or "not significant (p = 0.39 >= 0.05): ...", for people.
std::string significanceVerdict(const TcavResult& result, double alpha);

}  // namespace cs::tcav
