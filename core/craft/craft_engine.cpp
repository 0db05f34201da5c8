#include "craft/craft_engine.h"

#include "craft/attribution_maps.h"
#include "craft/dense_ops.h"

#include "common/error.h"
#include "jobs/job.h"
#include "model/model_adapter.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>
#include <sstream>

namespace cs::craft {

namespace {

namespace F = torch::nn::functional;
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

TensorBlob toBlob(const at::Tensor& t) {
    at::Tensor c = t.detach().to(torch::kFloat32).contiguous();
    TensorBlob blob;
    blob.shape.assign(c.sizes().begin(), c.sizes().end());
    blob.data.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    return blob;
}

// Activation (N×C×h×w or N×C) → N·h·w × C rows, location-major per image like the reference's
// permute(0, 2, 3, 1) then reshape.
at::Tensor rowsByChannel(const at::Tensor& a) {
    if (a.dim() == 4) return a.permute({0, 2, 3, 1}).reshape({-1, a.size(1)});
    return a;
}

std::vector<int64_t> spatialShape(const at::Tensor& a) {
    if (a.dim() == 4) return {a.size(2), a.size(3)};
    return {};
}

// Per-concept contribution of one image: B[k] = u[·,·,k] ⊗ W[k] so that Σ_k m_k B[k] is the
// activation rebuilt with concept k scaled by m_k (the residual A − UW is dropped, as in the reference).
// u: locations × r; returns r × (C·h·w) with the channel-major layout of the model's activations.
at::Tensor conceptContributions(const at::Tensor& u, const at::Tensor& W, const std::vector<int64_t>& spatial) {
    const int64_t r = W.size(0), channels = W.size(1);
    if (spatial.empty()) return W * u[0].unsqueeze(1);
    at::Tensor maps = u.t().reshape({r, 1, spatial[0], spatial[1]});
    return (W.view({r, channels, 1, 1}) * maps).reshape({r, -1});
}

std::vector<int64_t> argsortDescending(const at::Tensor& v) {
    at::Tensor order = std::get<1>(v.to(torch::kFloat64).sort(0, /*descending=*/true));
    std::vector<int64_t> out(static_cast<size_t>(order.numel()));
    auto acc = order.accessor<int64_t, 1>();
    for (int64_t i = 0; i < order.numel(); ++i) out[i] = acc[i];
    return out;
}

void checkProbePoint(const model::VisionModel& model, const std::string& layer) {
    const auto& points = model.info().probePoints;
    if (std::find(points.begin(), points.end(), layer) != points.end()) return;
    std::string list;
    for (const auto& p : points) list += (list.empty() ? "" : ", ") + p;
    throw Error(model.info().path, "the model has no probe point '" + layer + "' (its probe points: " + list + ")");
}

// True when masks are [A; B; C_1 … C_r] with C_i equal to A but in column i (sobol.h), which
// lets the C rows be rebuilt as rank-one updates of the A rows.
bool masksHaveSobolLayout(const at::Tensor& masks, int64_t nbDesign) {
    const int64_t r = masks.size(1);
    if (masks.size(0) != nbDesign * (r + 2)) return false;
    at::Tensor a = masks.slice(0, 0, nbDesign);
    for (int64_t k = 0; k < r; ++k) {
        at::Tensor c = masks.slice(0, (2 + k) * nbDesign, (3 + k) * nbDesign);
        at::Tensor same = c == a;
        same.select(1, k).fill_(true);
        if (!same.all().item<bool>()) return false;
    }
    return true;
}

int64_t probeIndex(const model::VisionModel& model, const std::string& layer) {
    const auto& points = model.info().probePoints;
    return std::find(points.begin(), points.end(), layer) - points.begin();
}

// Mean activation per input (N×C) in batches, with the policy's checks; Shift learns its offset.
at::Tensor meanActivations(model::VisionModel& model, const std::string& layer, const at::Tensor& inputs, int64_t batch,
                           ActivationPolicy& policy) {
    torch::InferenceMode inference;
    std::vector<at::Tensor> means;
    double minimum = 0.0;
    for (int64_t from = 0; from < inputs.size(0); from += batch) {
        at::Tensor a = model.activations(inputs.slice(0, from, std::min(inputs.size(0), from + batch)), layer);
        if (policy.mode == NegativeActivations::Shift) {
            if (!torch::isfinite(a).all().item<bool>())
                throw Error("layer " + layer, "the model's activations contain NaN or infinite values; check the model and the input normalisation");
            minimum = std::min(minimum, a.min().item<double>());
        } else {
            a = policy.toNonNegative(a);
        }
        means.push_back(spatialMean(a).to(torch::kFloat32));
    }
    at::Tensor matrix = torch::cat(means, 0);
    if (policy.mode == NegativeActivations::Shift) {
        policy.offset = minimum;
        matrix = torch::clamp_min(matrix - minimum, 0.0);
    }
    return matrix;
}

}  // namespace

double curveArea(const std::vector<double>& curve) {
    if (curve.size() < 2) return curve.empty() ? 0.0 : curve[0];
    double area = 0;
    const double step = 1.0 / static_cast<double>(curve.size() - 1);
    for (size_t i = 1; i < curve.size(); ++i) area += 0.5 * (curve[i - 1] + curve[i]) * step;
    return area;
}

CraftEngine::CraftEngine(model::VisionModel& model, CraftOptions options, jobs::JobContext* context)
    : model_(model), options_(std::move(options)), context_(context) {}

void CraftEngine::report(const std::string& stage, double from, double to, double fraction, const std::string& message) {
    if (context_) context_->report(stage, from + (to - from) * std::clamp(fraction, 0.0, 1.0), message);
}

void CraftEngine::checkCancelled() {
    if (context_) context_->checkCancelled();
}

CraftResult CraftEngine::run(const at::Tensor& images, const at::Tensor& displayImages) {
    const auto started = Clock::now();
    const CraftOptions& o = options_;
    const std::string& modelPath = model_.info().path;
    if (!images.defined() || images.dim() != 4 || images.size(0) == 0) throw Error("images", "there are no images to analyse");
    checkProbePoint(model_, o.layer);
    for (const auto& l : o.recursiveLayers) {
        checkProbePoint(model_, l);
        if (probeIndex(model_, l) >= probeIndex(model_, o.layer))
            throw Error(modelPath, "recursive layer '" + l + "' must be an earlier probe point than '" + o.layer + "'");
    }
    if (o.concepts <= 0) throw Error("concepts", "the number of concepts must be positive");
    if (o.sobolDesigns < 2) throw Error("sobol-designs", "need at least 2 Sobol design points");
    const int64_t height = images.size(2), width = images.size(3);
    const CropGrid grid = cropGrid(height, width, o.patchSize, o.stride > 0 ? o.stride : defaultStride(o.patchSize));

    CraftResult result;
    result.layer = o.layer;
    result.classIndex = o.classIndex;
    result.sobolDesign = toString(o.sobolDesign);
    ActivationPolicy policy{o.negativeActivations, 0.0, o.layer};
    torch::manual_seed(o.seed);

    // --- activations: full images (for the transform, Sobol and filtering), then crops.
    auto stageStart = Clock::now();
    report("activations", 0.0, 0.4, 0.0, "images");
    at::Tensor fullActivations;
    {
        torch::InferenceMode inference;
        std::vector<at::Tensor> parts;
        for (int64_t from = 0; from < images.size(0); from += o.cropBatch) {
            parts.push_back(model_.activations(images.slice(0, from, std::min(images.size(0), from + o.cropBatch)), o.layer));
            checkCancelled();
        }
        fullActivations = torch::cat(parts, 0);
        result.timings.imageActivations = secondsSince(stageStart);
        if (fullActivations.dim() != 4 && fullActivations.dim() != 2)
            throw Error(modelPath, "activations at '" + o.layer + "' must be N×C×H×W or N×C");
        at::Tensor logits = model_.logitsFrom(fullActivations.slice(0, 0, 1), o.layer);
        result.numClasses = logits.size(1);
        if (o.classIndex < 0 || o.classIndex >= result.numClasses)
            throw Error(modelPath, "class index " + std::to_string(o.classIndex) + " is out of range: the model has " +
                                       std::to_string(result.numClasses) + " classes (0.." + std::to_string(result.numClasses - 1) + ")");
    }
    at::Tensor used = images;
    at::Tensor display = displayImages;
    if (o.filterPredicted) {
        torch::InferenceMode inference;
        std::vector<at::Tensor> predicted;
        for (int64_t from = 0; from < fullActivations.size(0); from += o.hBatch)
            predicted.push_back(model_.logitsFrom(fullActivations.slice(0, from, std::min(fullActivations.size(0), from + o.hBatch)), o.layer).argmax(1));
        at::Tensor keep = (torch::cat(predicted) == o.classIndex).nonzero().flatten();
        if (keep.numel() == 0)
            throw Error("images", "no image is predicted as class " + std::to_string(o.classIndex) + " by the model; nothing to analyse");
        used = images.index_select(0, keep);
        fullActivations = fullActivations.index_select(0, keep);
        if (display.defined()) display = display.index_select(0, keep);
        for (int64_t i = 0; i < keep.numel(); ++i) result.images.push_back(keep[i].item<int64_t>());
    } else {
        result.images.resize(static_cast<size_t>(images.size(0)));
        std::iota(result.images.begin(), result.images.end(), 0);
    }
    const int64_t n = used.size(0);
    if (n * grid.perImage() < o.concepts)
        throw Error("images", std::to_string(n) + " image(s) give " + std::to_string(n * grid.perImage()) + " crops, fewer than the " +
                                  std::to_string(o.concepts) + " concepts asked for; use more images, a smaller patch or fewer concepts");

    std::vector<CropBox> boxes;
    at::Tensor A = cropActivationMatrix([&](const at::Tensor& x) { return model_.activations(x, o.layer); }, used, grid, o.cropBatch,
                                        policy, boxes, [&](double f) {
                                            report("activations", 0.0, 0.4, f, std::to_string(static_cast<int64_t>(f * n)) + "/" + std::to_string(n) + " images");
                                            checkCancelled();
                                        });
    // Crop boxes refer to the caller's image indices.
    for (auto& b : boxes) b.image = result.images[b.image];
    result.crops = boxes;
    result.activationOffset = policy.offset;
    result.timings.activations = secondsSince(stageStart);

    // --- NMF
    stageStart = Clock::now();
    report("nmf", 0.4, 0.45, 0.0, std::to_string(A.size(0)) + " crops x " + std::to_string(A.size(1)) + " channels");
    at::Tensor U, W;
    result.nmf = fitNmf(A, NmfOptions{o.concepts, o.nmfMaxIterations, o.nmfTolerance}, U, W);
    result.cropCoefficients = toBlob(U);
    result.conceptVectors = toBlob(W);
    result.timings.nmf = secondsSince(stageStart);
    checkCancelled();

    // --- Transform and Sobol importance, per image (reference: estimate_importance).
    stageStart = Clock::now();
    report("sobol", 0.45, 0.7, 0.0);
    const int64_t r = o.concepts;
    const std::vector<int64_t> spatial = spatialShape(fullActivations);
    const int64_t locations = spatial.empty() ? 1 : spatial[0] * spatial[1];
    at::Tensor nonNegative = policy.toNonNegative(fullActivations);
    at::Tensor uAll = nnlsTransform(rowsByChannel(nonNegative), W, o.nmfMaxIterations, o.nmfTolerance).view({n, locations, r});
    const auto maskValues = sobolMasks(o.sobolDesign, r, o.sobolDesigns, o.seed);
    at::Tensor masks = torch::from_blob(const_cast<float*>(maskValues.data()), {static_cast<int64_t>(maskValues.size()) / r, r}, torch::kFloat32).clone();
    std::vector<int64_t> activationShape(fullActivations.sizes().begin() + 1, fullActivations.sizes().end());

    // Class logit of activations rebuilt from per-concept contributions B scaled by each mask row.
    double hSeconds = 0;
    // h on rebuilt rows (m × features, viewed as m activations of `shape`): the class logit of
    // each, float32, timed into hSeconds. Cloned: an h that returns a view of its input would
    // otherwise alias a block of rows that the caller overwrites next.
    auto classLogits = [&](const at::Tensor& rows, const std::string& layer, const ActivationPolicy& pol,
                           const std::vector<int64_t>& shape, int64_t classIndex) {
        std::vector<int64_t> full{rows.size(0)};
        full.insert(full.end(), shape.begin(), shape.end());
        at::Tensor rebuilt = pol.toModel(rows.view(full));
        const auto hStart = Clock::now();
        at::Tensor logit = model_.logitsFrom(rebuilt, layer).select(1, classIndex).to(torch::kFloat32).clone();
        hSeconds += secondsSince(hStart);
        return logit;
    };
    auto logitsForMasks = [&](const at::Tensor& B, const at::Tensor& rows, const std::string& layer, const ActivationPolicy& pol,
                              const std::vector<int64_t>& shape, int64_t classIndex) {
        torch::InferenceMode inference;
        std::vector<at::Tensor> out;
        for (int64_t from = 0; from < rows.size(0); from += o.hBatch)
            out.push_back(classLogits(combineRows(rows.slice(0, from, std::min(rows.size(0), from + o.hBatch)), B), layer, pol, shape,
                                      classIndex));
        return torch::cat(out);
    };

    // Sobol outputs of one image: the A and B rows are rebuilt from all r contributions; each C_i
    // row differs from its A row in concept i only, so it is A's rebuilt activation plus
    // (b_i − a_i)·B[i] (dense_ops.h shiftRows), a quarter of the arithmetic of rebuilding all
    // rows. Rows are written into a block of hBatch rows that goes to h as soon as it is full, so
    // h reads them while they are still in cache, and all rows go in one call when hBatch allows.
    const bool designHasCRows = masksHaveSobolLayout(masks, o.sobolDesigns);
    auto sobolOutputs = [&](const at::Tensor& B) {
        if (!designHasCRows) return logitsForMasks(B, masks, o.layer, policy, activationShape, o.classIndex);
        torch::InferenceMode inference;
        const int64_t nb = o.sobolDesigns, features = B.size(1);
        const int64_t blockRows = std::min(o.hBatch, masks.size(0));
        at::Tensor block = torch::empty({blockRows, features}, torch::kFloat32);
        int64_t filled = 0;
        std::vector<at::Tensor> out;
        auto flush = [&] {
            if (filled == 0) return;
            out.push_back(classLogits(block.slice(0, 0, filled), o.layer, policy, activationShape, o.classIndex));
            filled = 0;
        };
        // Appends `count` rows, write(first, n, target) filling rows [first, first + n) into target.
        auto emit = [&](int64_t count, const std::function<void(int64_t, int64_t, at::Tensor)>& write) {
            for (int64_t done = 0; done < count;) {
                const int64_t n = std::min(count - done, blockRows - filled);
                write(done, n, block.slice(0, filled, filled + n));
                filled += n;
                done += n;
                if (filled == blockRows) flush();
            }
        };
        at::Tensor rebuiltA = combineRows(masks.slice(0, 0, nb), B);
        emit(nb, [&](int64_t f, int64_t n, at::Tensor target) { target.copy_(rebuiltA.slice(0, f, f + n)); });
        at::Tensor maskB = masks.slice(0, nb, 2 * nb);
        emit(nb, [&](int64_t f, int64_t n, at::Tensor target) { target.copy_(combineRows(maskB.slice(0, f, f + n), B)); });
        for (int64_t k = 0; k < r; ++k) {
            at::Tensor delta = (masks.slice(0, (2 + k) * nb, (3 + k) * nb).select(1, k) - masks.slice(0, 0, nb).select(1, k)).contiguous();
            at::Tensor direction = B[k].contiguous();
            emit(nb, [&](int64_t f, int64_t n, at::Tensor target) {
                shiftRows(rebuiltA.slice(0, f, f + n), delta.slice(0, f, f + n), direction, target);
            });
        }
        flush();
        return torch::cat(out);
    };

    at::Tensor importance = torch::zeros({n, r}, torch::kFloat64);
    for (int64_t i = 0; i < n; ++i) {
        at::Tensor B = conceptContributions(uAll[i], W, spatial).contiguous();
        at::Tensor y = sobolOutputs(B).contiguous();
        std::vector<float> outputs(y.data_ptr<float>(), y.data_ptr<float>() + y.numel());
        auto sti = jansenTotalIndices(outputs, r, o.sobolDesigns);
        for (int64_t k = 0; k < r; ++k) importance[i][k] = sti[k];
        result.hEvaluations += masks.size(0);
        report("sobol", 0.45, 0.7, static_cast<double>(i + 1) / n, std::to_string(i + 1) + "/" + std::to_string(n) + " images");
        checkCancelled();
    }
    result.imageImportance = toBlob(importance);
    at::Tensor meanImportance = importance.mean(0);
    at::Tensor stdImportance = n > 1 ? importance.std(0) : torch::zeros({r}, torch::kFloat64);
    result.conceptOrder = argsortDescending(meanImportance);
    at::Tensor uMaps = spatial.empty() ? uAll.view({n, 1, 1, r}) : uAll.view({n, spatial[0], spatial[1], r});
    for (int64_t i = 0; i < n; ++i) result.uMaps.push_back(toBlob(uMaps[i]));
    result.timings.sobol = secondsSince(stageStart);
    result.timings.hSeconds = hSeconds;

    for (int64_t k = 0; k < r; ++k) {
        ConceptNode node;
        node.layer = o.layer;
        node.index = k;
        node.importance = meanImportance[k].item<double>();
        node.importanceStd = stdImportance[k].item<double>();
        node.importanceTarget = "class_logit";
        at::Tensor row = W[k].contiguous();
        node.vector.assign(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
        const auto order = argsortDescending(U.select(1, k));
        for (int64_t j = 0; j < std::min<int64_t>(o.topCrops, static_cast<int64_t>(order.size())); ++j)
            node.topCrops.push_back({order[j], U[order[j]][k].item<float>()});
        result.nodes.push_back(std::move(node));
    }

    // --- Faithfulness: delete / insert concepts in the estimated order and in random orders.
    stageStart = Clock::now();
    {
        std::mt19937_64 rng(o.seed + 1);
        std::vector<std::vector<int64_t>> orders{result.conceptOrder};
        for (int64_t q = 0; q < o.randomOrders; ++q) {
            std::vector<int64_t> p(static_cast<size_t>(r));
            std::iota(p.begin(), p.end(), 0);
            std::shuffle(p.begin(), p.end(), rng);
            orders.push_back(p);
        }
        // rows: for each order, deletion steps j = 0..r then insertion steps j = 0..r.
        at::Tensor rows = torch::zeros({static_cast<int64_t>(orders.size()) * 2 * (r + 1), r});
        for (size_t q = 0; q < orders.size(); ++q)
            for (int64_t j = 0; j <= r; ++j) {
                at::Tensor del = rows[(q * 2) * (r + 1) + j], ins = rows[(q * 2 + 1) * (r + 1) + j];
                del.fill_(1.0);
                for (int64_t t = 0; t < j; ++t) {
                    del[orders[q][t]] = 0.0;
                    ins[orders[q][t]] = 1.0;
                }
            }
        at::Tensor sum = torch::zeros({rows.size(0)}, torch::kFloat64);
        for (int64_t i = 0; i < n; ++i) {
            sum += logitsForMasks(conceptContributions(uAll[i], W, spatial), rows, o.layer, policy, activationShape, o.classIndex).to(torch::kFloat64);
            checkCancelled();
        }
        at::Tensor mean = (sum / static_cast<double>(n)).view({static_cast<int64_t>(orders.size()), 2, r + 1});
        auto curve = [&](int64_t q, int64_t kind) {
            std::vector<double> c(static_cast<size_t>(r + 1));
            for (int64_t j = 0; j <= r; ++j) c[j] = mean[q][kind][j].item<double>();
            return c;
        };
        auto& f = result.faithfulness;
        f.deletion = curve(0, 0);
        f.insertion = curve(0, 1);
        f.deletionRandom.assign(static_cast<size_t>(r + 1), 0.0);
        f.insertionRandom.assign(static_cast<size_t>(r + 1), 0.0);
        for (int64_t q = 1; q < static_cast<int64_t>(orders.size()); ++q) {
            auto d = curve(q, 0), s = curve(q, 1);
            for (int64_t j = 0; j <= r; ++j) {
                f.deletionRandom[j] += d[j] / o.randomOrders;
                f.insertionRandom[j] += s[j] / o.randomOrders;
            }
        }
        f.deletionArea = curveArea(f.deletion);
        f.insertionArea = curveArea(f.insertion);
        f.deletionAreaRandom = curveArea(f.deletionRandom);
        f.insertionAreaRandom = curveArea(f.insertionRandom);
    }
    result.timings.faithfulness = secondsSince(stageStart);
    report("faithfulness", 0.7, 0.75, 1.0);

    // --- Concept Attribution Maps for the first images.
    stageStart = Clock::now();
    {
        const auto thresholds = conceptThresholds(uMaps, o.mapPercentile);
        const int64_t drawn = std::min<int64_t>(o.mapConcepts, r);
        std::vector<int64_t> top(result.conceptOrder.begin(), result.conceptOrder.begin() + drawn);
        const auto colours = conceptColours(drawn);
        // Paint the least important first so the most important ends on top (reference notebooks).
        std::vector<std::array<uint8_t, 3>> paintColours(colours.rbegin(), colours.rend());
        const int64_t mapped = std::min<int64_t>(o.mapImages, n);
        for (int64_t i = 0; i < mapped; ++i) {
            at::Tensor shown;
            if (display.defined()) {
                shown = display[i];
            } else {
                // Undo the model's normalisation when it is declared, else stretch to [0,1].
                at::Tensor x = used[i];
                const auto& info = model_.info();
                if (static_cast<int64_t>(info.mean.size()) == x.size(0) && info.std.size() == info.mean.size()) {
                    at::Tensor mean = torch::tensor(info.mean).view({-1, 1, 1}), stdev = torch::tensor(info.std).view({-1, 1, 1});
                    shown = (x * stdev + mean).clamp(0, 1);
                } else {
                    shown = (x - x.min()) / std::max(1e-12, (x.max() - x.min()).item<double>());
                }
            }
            ImageMaps maps;
            maps.image = result.images[i];
            maps.concepts = top;
            std::vector<at::Tensor> projection;
            for (int64_t k : top) {
                projection.push_back(projectionMap(uMaps[i], k, thresholds[k], height, width));
                maps.projectionHeatmapPng.push_back(heatmapPng(projection.back()));
            }
            std::vector<at::Tensor> paint(projection.rbegin(), projection.rend());
            maps.projectionOverlayPng = overlayPng(shown, paint, paintColours);
            if (o.implicitMaps) {
                ImplicitMaps im = implicitDiffMaps(model_, o.layer, policy, used.slice(0, i, i + 1), W, top, 200, 1e-6);
                std::vector<at::Tensor> gi, gc;
                for (size_t c = 0; c < top.size(); ++c) {
                    at::Tensor g = torch::relu(im.gradientInput[c]);
                    const double gm = g.max().item<double>();
                    gi.push_back(gm > 0 ? g / gm : g);
                    const double cm = im.gradCam[c].max().item<double>();
                    gc.push_back(cm > 0 ? im.gradCam[c] / cm : im.gradCam[c]);
                    maps.gradientInputPng.push_back(heatmapPng(gi.back()));
                    maps.gradCamPng.push_back(heatmapPng(gc.back()));
                }
                maps.gradientInputOverlayPng = overlayPng(shown, std::vector<at::Tensor>(gi.rbegin(), gi.rend()), paintColours);
                maps.gradCamOverlayPng = overlayPng(shown, std::vector<at::Tensor>(gc.rbegin(), gc.rend()), paintColours);
            }
            result.maps.push_back(std::move(maps));
            report("maps", 0.75, 0.9, static_cast<double>(i + 1) / mapped, std::to_string(i + 1) + "/" + std::to_string(mapped) + " images");
            checkCancelled();
        }
    }
    result.timings.maps = secondsSince(stageStart);

    // --- Recursive concept tree (paper §3.4): each concept's strongest crops decomposed at an earlier layer.
    stageStart = Clock::now();
    if (!o.recursiveLayers.empty()) {
        auto* bridge = dynamic_cast<LayerBridge*>(&model_);
        // Crops of the used images for a list of crop indices, resized to the model input.
        auto cropImages = [&](const std::vector<int64_t>& cropIndices) {
            std::vector<at::Tensor> parts;
            for (int64_t c : cropIndices) {
                const CropBox& b = result.crops[c];
                const int64_t local = std::find(result.images.begin(), result.images.end(), b.image) - result.images.begin();
                at::Tensor block = used.slice(0, local, local + 1).slice(2, b.y, b.y + b.h).slice(3, b.x, b.x + b.w);
                parts.push_back(F::interpolate(block, F::InterpolateFuncOptions().size(std::vector<int64_t>{height, width}).mode(torch::kBilinear).align_corners(false)));
            }
            return torch::cat(parts, 0);
        };
        struct Work {
            int64_t parentNode;
            std::vector<int64_t> crops;  // sorted by the parent's coefficient, best first
            at::Tensor parentW;
            int64_t parentConcept;
            std::string parentLayer;
            ActivationPolicy parentPolicy;
            size_t level;
        };
        std::vector<Work> queue;
        for (int64_t k : result.conceptOrder) {
            auto order = argsortDescending(U.select(1, k));
            order.resize(std::min<size_t>(order.size(), static_cast<size_t>(o.cropsPerConcept)));
            queue.push_back({k, order, W, k, o.layer, policy, 0});
        }
        const size_t initial = queue.size();
        for (size_t w = 0; w < queue.size(); ++w) {
            Work work = queue[w];
            const std::string& sub = o.recursiveLayers[work.level];
            const int64_t m = static_cast<int64_t>(work.crops.size());
            const int64_t rank = std::min<int64_t>(o.subConcepts, m);
            if (rank < 1 || m < 2) continue;
            at::Tensor inputs = cropImages(work.crops);
            ActivationPolicy subPolicy{o.negativeActivations, 0.0, sub};
            at::Tensor subA = meanActivations(model_, sub, inputs, o.cropBatch, subPolicy);
            if (subA.abs().max().item<double>() == 0.0) continue;
            at::Tensor subU, subW;
            fitNmf(subA, NmfOptions{rank, o.nmfMaxIterations, o.nmfTolerance}, subU, subW);
            // Sobol importance of each sub-concept on the parent concept's coefficient (or the class logit).
            const auto subMaskValues = sobolMasks(o.sobolDesign, rank, o.sobolDesigns, o.seed + w + 1);
            at::Tensor subMasks = torch::from_blob(const_cast<float*>(subMaskValues.data()), {static_cast<int64_t>(subMaskValues.size()) / rank, rank}, torch::kFloat32).clone();
            const int64_t sobolCrops = std::min<int64_t>(o.subSobolCrops, m);
            at::Tensor subImportance = torch::zeros({sobolCrops, rank}, torch::kFloat64);
            for (int64_t c = 0; c < sobolCrops; ++c) {
                torch::InferenceMode inference;
                at::Tensor a = subPolicy.toNonNegative(model_.activations(inputs.slice(0, c, c + 1), sub));
                const auto subSpatial = spatialShape(a);
                at::Tensor u = nnlsTransform(rowsByChannel(a), subW, o.nmfMaxIterations, o.nmfTolerance);
                at::Tensor B = conceptContributions(u, subW, subSpatial);
                std::vector<int64_t> shape(a.sizes().begin() + 1, a.sizes().end());
                at::Tensor y;
                if (bridge) {
                    std::vector<at::Tensor> out;
                    for (int64_t from = 0; from < subMasks.size(0); from += o.hBatch) {
                        at::Tensor rows = subMasks.slice(0, from, std::min(subMasks.size(0), from + o.hBatch));
                        std::vector<int64_t> full{rows.size(0)};
                        full.insert(full.end(), shape.begin(), shape.end());
                        at::Tensor upper = bridge->activationsBetween(subPolicy.toModel(rows.mm(B).view(full)), sub, work.parentLayer);
                        at::Tensor coefficients = nnlsTransform(spatialMean(work.parentPolicy.toNonNegative(upper)), work.parentW,
                                                                o.nmfMaxIterations, o.nmfTolerance);
                        out.push_back(coefficients.select(1, work.parentConcept));
                    }
                    y = torch::cat(out).to(torch::kFloat32).contiguous();
                } else {
                    y = logitsForMasks(B, subMasks, sub, subPolicy, shape, o.classIndex).contiguous();
                }
                std::vector<float> outputs(y.data_ptr<float>(), y.data_ptr<float>() + y.numel());
                auto sti = jansenTotalIndices(outputs, rank, o.sobolDesigns);
                for (int64_t k = 0; k < rank; ++k) subImportance[c][k] = sti[k];
                checkCancelled();
            }
            at::Tensor subMean = subImportance.mean(0);
            at::Tensor subStd = sobolCrops > 1 ? subImportance.std(0) : torch::zeros({rank}, torch::kFloat64);
            for (int64_t j = 0; j < rank; ++j) {
                ConceptNode node;
                node.parent = work.parentNode;
                node.layer = sub;
                node.index = j;
                node.depth = static_cast<int>(work.level) + 1;
                node.importance = subMean[j].item<double>();
                node.importanceStd = subStd[j].item<double>();
                node.importanceTarget = bridge ? "parent_coefficient" : "class_logit";
                at::Tensor row = subW[j].contiguous();
                node.vector.assign(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
                const auto order = argsortDescending(subU.select(1, j));
                for (int64_t t = 0; t < std::min<int64_t>(o.topCrops, m); ++t)
                    node.topCrops.push_back({work.crops[order[t]], subU[order[t]][j].item<float>()});
                result.nodes.push_back(std::move(node));
                if (work.level + 1 < o.recursiveLayers.size()) {
                    std::vector<int64_t> childCrops;
                    for (int64_t t = 0; t < std::max<int64_t>(m / 2, std::min<int64_t>(m, o.subConcepts + 1)); ++t)
                        childCrops.push_back(work.crops[order[t]]);
                    queue.push_back({static_cast<int64_t>(result.nodes.size()) - 1, childCrops, subW, j, sub, subPolicy, work.level + 1});
                }
            }
            report("tree", 0.9, 1.0, static_cast<double>(w + 1) / std::max(queue.size(), initial), "concept " + std::to_string(w + 1));
        }
    }
    result.timings.tree = secondsSince(stageStart);
    result.timings.total = secondsSince(started);
    report("tree", 0.9, 1.0, 1.0, "done");
    return result;
}

}  // namespace cs::craft
