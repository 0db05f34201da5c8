#include "sae/recsae_job.h"

#include "common/error.h"
#include "data/interactions.h"
#include "data/item_metadata.h"
#include "model/compute_backend.h"
#include "model/model_loader.h"
#include "sae/concept_dictionary.h"
#include "sae/recommender.h"
#include "sae/recsae_steps.h"
#include "store/project_store.h"
#include "store/stored_run.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <random>

namespace cs::sae {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Users per ablated latent, as LatentAblationJob's default (AblationRequest::maxUsers).
constexpr size_t kAblationUsers = 50;

// Everything a RecSAE run builds, stage by stage; each stage reads what earlier ones filled in.
struct RecSaeState {
    // Inputs (loadAndProbe).
    std::unique_ptr<ProbedRecommender> model;
    data::InteractionLog log;
    data::ItemAttributes attrs;
    data::LeaveOneOutSplit split;
    int64_t maxLength = 0, numItems = 0, stateDim = 0;
    std::unique_ptr<SparseAutoencoder> sae;
    std::mt19937_64 rng;  // the training prefixes' sample, then the dictionary corpus' sample
    // Training (extractTrainingStates, SAE training).
    std::vector<Prefix> prefixes;  // sorted by length once the states are extracted
    torch::Tensor states;          // one row per prefix
    SaeTrainStats training;
    // Quality (evaluateQuality): final states of history = train + valid, target = test.
    std::vector<std::vector<int64_t>> testHistory;
    torch::Tensor finalStates;
    LatentCodes finalCodes;
    RankingMetrics modelMetrics, reconstructedMetrics;
    double fvu = 0, l0 = 0, dead = 0;
    std::vector<double> prefixFvu;  // Matryoshka: FVU of each nested prefix's reconstruction
    // Interpretation (buildDictionary, buildHierarchy, ablateStrongestLatents).
    CorpusSample corpus;
    std::vector<LatentConcept> concepts;
    std::string hierarchy;
    std::vector<json> ablations;
    json timings;  // seconds per stage, the summary's timings_s
};

// Runs one stage and records its wall time under `name`.
template <class Stage>
void timed(json& timings, const char* name, Stage&& stage) {
    const auto t = Clock::now();
    stage();
    timings[name] = since(t);
}

// States of many prefixes, batched by length so short prefixes cost little.
torch::Tensor extractStates(model::SequentialRecommender& model, const std::vector<std::vector<int64_t>>& sequences,
                            std::vector<Prefix>& prefixes, int64_t maxLength, jobs::JobContext* context,
                            double fractionFrom, double fractionTo) {
    std::stable_sort(prefixes.begin(), prefixes.end(),
                     [](const Prefix& a, const Prefix& b) { return a.length < b.length; });
    std::vector<torch::Tensor> parts;
    const size_t batch = 512;
    for (size_t begin = 0; begin < prefixes.size(); begin += batch) {
        if (context) context->checkCancelled();
        const size_t end = std::min(prefixes.size(), begin + batch);
        std::vector<std::vector<int64_t>> seqs;
        for (size_t i = begin; i < end; ++i) {
            const auto& s = sequences[prefixes[i].user];
            // Only the last maxLength items reach the model: copy no more than those.
            const int64_t from = std::max<int64_t>(0, prefixes[i].length - maxLength);
            seqs.emplace_back(s.begin() + from, s.begin() + prefixes[i].length);
        }
        parts.push_back(model.encode(padLeft(seqs, maxLength)));
        if (context)
            context->report("states", fractionFrom + (fractionTo - fractionFrom) * double(end) / prefixes.size(),
                            std::to_string(end) + " / " + std::to_string(prefixes.size()) + " states");
    }
    return torch::cat(parts, 0);
}

// States of whole sequences in their given order (unlike extractStates, which sorts by length).
torch::Tensor finalStatesOf(model::SequentialRecommender& model, const std::vector<std::vector<int64_t>>& sequences,
                            int64_t maxLength, jobs::JobContext& context) {
    std::vector<torch::Tensor> parts;
    for (size_t b = 0; b < sequences.size(); b += 512) {
        context.checkCancelled();
        std::vector<std::vector<int64_t>> batch(sequences.begin() + b,
                                                sequences.begin() + std::min(sequences.size(), b + 512));
        parts.push_back(model.encode(padLeft(batch, maxLength)));
    }
    return torch::cat(parts, 0);
}

// The sparse codes of every row, as wide as the row with the most active latents (TopK: k;
// the other families' L0 varies by row, and narrower rows are padded with zero values).
LatentCodes toCodes(const SparseAutoencoder& sae, const torch::Tensor& states) {
    std::vector<std::pair<torch::Tensor, torch::Tensor>> parts;
    int64_t width = 1;
    for (int64_t b = 0; b < states.size(0); b += 4096) {
        parts.push_back(sae.encode(states.narrow(0, b, std::min<int64_t>(4096, states.size(0) - b))));
        width = std::max(width, parts.back().first.size(1));
    }
    LatentCodes codes;
    codes.rows = states.size(0);
    codes.k = width;
    codes.latents = sae.latents();
    codes.indices.resize(codes.rows * width);
    codes.values.resize(codes.rows * width);
    int64_t row = 0;
    for (auto& [v, i] : parts) {
        const int64_t len = v.size(0), pad = width - v.size(1);
        auto vi = torch::constant_pad_nd(v, {0, pad}, 0.0).contiguous();
        auto ii = torch::constant_pad_nd(i, {0, pad}, 0).to(torch::kInt32).contiguous();
        std::copy(vi.data_ptr<float>(), vi.data_ptr<float>() + len * width, codes.values.begin() + row * width);
        std::copy(ii.data_ptr<int32_t>(), ii.data_ptr<int32_t>() + len * width, codes.indices.begin() + row * width);
        row += len;
    }
    return codes;
}

// Mean number of active (positive) latents per row: the L0 of the codes.
double meanActive(const LatentCodes& codes) {
    double l0 = 0;
    for (float v : codes.values) l0 += v > 0 ? 1 : 0;
    return l0 / std::max<int64_t>(1, codes.rows);
}

// Loads the model, the log (indexed the way the model sees items) and the item metadata, and
// probes once: the state dimension, and that score accepts what encode returns. Sizes that
// cost nothing to check are refused before anything is loaded or the project is touched.
RecSaeState loadAndProbe(const RecSaeOptions& o, jobs::JobContext& context) {
    if (o.sae.expansion < 1 || o.sae.expansion > 1024)
        throw Error("--expansion", "expansion " + std::to_string(o.sae.expansion) + " is out of range (1 .. 1024)");
    context.report("load", 0.0, "loading " + o.modelPath);
    RecSaeState s;
    s.model = ProbedRecommender::load(o.modelPath, o.loader);
    s.log = loadLogFor(*s.model, o.interactionsPath, o.format);
    s.attrs = loadAttributes(o.itemMetaPath, s.log);
    s.split = data::leaveOneOut(s.log);
    s.maxLength = s.model->maxLength();
    s.numItems = s.model->info().numItems;
    torch::Tensor probe = s.model->encode(padLeft({s.split.train[0]}, s.maxLength));
    s.stateDim = probe.size(1);
    try {
        normaliseScores(s.model->score(probe), s.numItems, o.modelPath);
    } catch (const Error& e) {
        throw Error(o.modelPath, "encode returns states of dimension " + std::to_string(s.stateDim) +
                                     " that score does not accept: " + e.problem());
    }
    s.sae = makeSparseAutoencoder(s.stateDim, o.sae);  // throws on a latent count or k out of range
    s.rng.seed(o.sae.seed);
    return s;
}

// The project's rows for the model and the dataset, and the run's parameters: everything
// LatentAblationJob needs to load the same model and log again.
store::RunStart recordModelAndDataset(store::ProjectStore& store, const RecSaeOptions& o, const RecSaeState& s) {
    store::ModelRecord modelRecord;
    modelRecord.path = o.modelPath;
    modelRecord.sha256 = s.model->info().sha256.empty() ? model::sha256File(o.modelPath) : s.model->info().sha256;
    modelRecord.adapter = s.model->info().adapter;
    modelRecord.kind = "sequential-recommender";
    modelRecord.metadataJson =
        json{{"num_items", s.numItems}, {"state_dim", s.stateDim}, {"max_len", s.maxLength}}.dump();
    const int64_t modelId = store.addModel(modelRecord);
    store::DatasetRecord dataset;
    dataset.path = o.interactionsPath;
    dataset.kind = "interactions";
    dataset.metadataJson = json{{"format", data::toString(s.log.format)},
                                {"users", s.log.numUsers()},
                                {"items", s.log.numItems()},
                                {"interactions", s.log.numInteractions},
                                {"item_meta", o.itemMetaPath}}
                               .dump();
    const int64_t datasetId = store.addDataset(dataset);
    const json parameters = {{"model", o.modelPath},          {"adapter", s.model->info().adapter},
                             {"plugin_dirs", o.loader.pluginDirs}, {"adapter_options", o.loader.optionsJson},
                             {"interactions", o.interactionsPath},
                             {"format", o.format},            {"item_meta", o.itemMetaPath},
                             {"sae", toString(o.sae.family)},
                             {"prefix_sizes", s.sae->prefixSizes()},
                             {"expansion", o.sae.expansion},  {"latents", o.sae.latentCount}, {"k", o.sae.k},
                             {"epochs", o.sae.epochs},        {"seed", o.sae.seed},
                             {"sparsity_coefficient", o.sae.sparsityCoefficient},
                             {"learning_rate", o.sae.learningRate}, {"batch_size", o.sae.batchSize},
                             {"runtime", model::detectComputeBackend().toJson()}};
    return store::RunStart{"recsae", parameters.dump(), modelId, datasetId};
}

// Training states: every position of the users' training sequences (each prefix), sampled
// down to maxTrainStates.
void extractTrainingStates(RecSaeState& s, const RecSaeOptions& o, jobs::JobContext& context) {
    s.prefixes = sampleTrainingPrefixes(s.split.train, o.maxTrainStates, s.rng, s.maxLength);
    s.states = extractStates(*s.model, s.split.train, s.prefixes, s.maxLength, &context, 0.0, 0.2);
}

// Quality on the last position (history = train + valid, target = test): ranking with the
// original and with the reconstructed states (RecSAE's "does the SAE keep what the model
// uses"), FVU and L0 of the final states.
void evaluateQuality(RecSaeState& s, jobs::JobContext& context) {
    context.report("evaluate", 0.7, "ranking with original and reconstructed states");
    s.testHistory = s.split.train;
    for (size_t u = 0; u < s.testHistory.size(); ++u) s.testHistory[u].push_back(s.split.valid[u]);
    s.finalStates = finalStatesOf(*s.model, s.testHistory, s.maxLength, context);
    auto& model = *s.model;
    const SparseAutoencoder& sae = *s.sae;
    s.modelMetrics = evaluateRanking([&](const at::Tensor& seq) { return model.score(model.encode(seq)); },
                                     s.testHistory, s.split.test, s.numItems, s.maxLength);
    s.reconstructedMetrics = evaluateRanking(
        [&](const at::Tensor& seq) { return model.score(sae.reconstruct(model.encode(seq))); }, s.testHistory,
        s.split.test, s.numItems, s.maxLength);
    s.fvu = sae.fvu(s.finalStates);
    for (int64_t prefix : sae.prefixSizes()) s.prefixFvu.push_back(sae.fvu(s.finalStates, prefix));
    s.finalCodes = toCodes(sae, s.finalStates);
    s.l0 = meanActive(s.finalCodes);
}

// Concept dictionary on (a sample of) the training prefixes; the dead fraction is over all of them.
void buildDictionary(RecSaeState& s, const RecSaeOptions& o, jobs::JobContext& context) {
    context.report("dictionary", 0.8, "tags and confidence per latent");
    const LatentCodes trainCodes = toCodes(*s.sae, s.states);
    s.dead = deadFraction(trainCodes);
    s.corpus = sampleCorpus(s.prefixes, trainCodes, o.maxCorpusSequences, s.rng);
    DictionaryOptions dictOptions;
    dictOptions.seed = o.sae.seed;
    s.concepts = buildConceptDictionary(s.corpus.codes, recentItems(s.corpus.prefixes, s.split.train, dictOptions.recentWindow),
                                        s.attrs, dictOptions);
}

void buildHierarchy(RecSaeState& s, const RecSaeOptions& o, jobs::JobContext& context) {
    context.report("hierarchy", 0.85, "clustering latents by co-activation");
    // Matryoshka's prefixes are a hierarchy the SAE was trained to have: draw that one.
    const std::vector<int64_t> prefixes = s.sae->prefixSizes();
    s.hierarchy = prefixes.empty() ? latentHierarchyJson(s.corpus.codes, s.concepts, o.hierarchyLeaves)
                                   : matryoshkaHierarchyJson(s.corpus.codes, s.concepts, prefixes, s.prefixFvu,
                                                             o.hierarchyLeaves);
}

// Ablate the strongest described latents on the users whose final state uses them.
void ablateStrongestLatents(RecSaeState& s, const RecSaeOptions& o, jobs::JobContext& context) {
    context.report("ablation", 0.9, "ablating the strongest latents");
    for (int64_t j : latentsByConfidence(s.concepts)) {
        if (static_cast<int>(s.ablations.size()) >= o.ablatedLatents || s.concepts[j].mass <= 0) break;
        context.checkCancelled();
        std::vector<std::vector<int64_t>> users;
        std::vector<std::string> userIds;
        for (int64_t r : rowsActivating(s.finalCodes, j, kAblationUsers)) {
            users.push_back(s.testHistory[r]);
            userIds.push_back(s.log.userIds[r]);
        }
        if (users.empty()) continue;
        s.ablations.push_back(
            ablateLatent(*s.model, *s.sae, users, userIds, s.log, s.attrs, j, 0.0, o.topN, s.maxLength));
    }
}

// The SAE metrics every run reports (docs/recsae.md, "Metrics"): fidelity (FVU), sparsity (L0),
// dead latents, and the share of the model's NDCG@10 kept when the reconstruction replaces the state.
json saeMetricsJson(const RecSaeState& s) {
    const double model = s.modelMetrics.ndcg10, kept = s.reconstructedMetrics.ndcg10;
    return {{"fvu", s.fvu},
            {"l0", s.l0},
            {"dead_fraction", s.dead},
            {"ndcg10_model", model},
            {"ndcg10_reconstructed", kept},
            {"ndcg_kept", model > 0 ? kept / model : 0.0}};
}

// The run's summary (docs/cli.md, `recsae --json`), also stored as the run's summary.
json summaryJson(int64_t runId, const RecSaeOptions& o, const RecSaeState& s) {
    json warnings = json::array();
    for (const auto& w : s.log.warnings) warnings.push_back(w);
    for (const auto& w : s.attrs.warnings) warnings.push_back(w);
    return {{"run_id", runId},
            {"sae", toString(s.sae->family())},
            {"n_latents", s.sae->latents()},
            {"k", o.sae.k},
            {"expansion", o.sae.expansion},
            {"state_dim", s.stateDim},
            {"fvu", s.fvu},
            {"dead_fraction", s.dead},
            {"l0", s.l0},
            {"ndcg10_model", s.modelMetrics.ndcg10},
            {"ndcg10_reconstructed", s.reconstructedMetrics.ndcg10},
            {"hr10_model", s.modelMetrics.hr10},
            {"hr10_reconstructed", s.reconstructedMetrics.hr10},
            {"users", s.log.numUsers()},
            {"items", s.log.numItems()},
            {"train_states", s.states.size(0)},
            {"corpus_sequences", s.corpus.codes.rows},
            {"confident_latents", confidentLatents(s.concepts)},
            {"metrics", saeMetricsJson(s)},
            {"prefix_sizes", s.sae->prefixSizes()},
            {"prefix_fvu", s.prefixFvu},
            {"sae_training", {{"fvu_per_epoch", s.training.lossPerEpoch},
                              {"dead_per_epoch", s.training.deadPerEpoch},
                              {"samples_per_second", s.training.samplesPerSecond()}}},
            {"warnings", warnings},
            {"latents", latentsSummaryJson(s.concepts)},
            {"timings_s", s.timings}};
}

// One latent row per SAE latent: its description, confidence and strongest sequences.
void storeLatents(store::ProjectStore& store, int64_t runId, const RecSaeState& s) {
    for (const auto& c : s.concepts) {
        store::LatentRecord rec;
        rec.runId = runId;
        rec.index = c.index;
        rec.frequency = c.frequency;
        rec.confidence = c.confidence;
        rec.precision = c.precision;
        rec.recall = c.recall;
        json tags = json::array(), words = json::array();
        for (const auto& t : c.tags) tags.push_back({{"tag", t.term}, {"log_odds", t.score}});
        for (const auto& t : c.titleWords) words.push_back({{"word", t.term}, {"log_odds", t.score}});
        rec.tagsJson = tags.dump();
        rec.metadataJson = json{{"activations", c.activations}, {"mass", c.mass}, {"title_words", words},
                                {"top_sequences", topSequencesJson(c, s.corpus.prefixes, s.split.train, s.log)},
                                {"dead", c.activations == 0}}
                               .dump();
        store.addLatent(rec);
    }
}

// The SAE's weights (LatentAblationJob reloads them), the hierarchy, two histograms for the
// dashboard, the training curve and the ablations.
void storeArtifacts(store::ProjectStore& store, int64_t runId, const RecSaeState& s, const json& summary) {
    for (auto& [name, blob] : s.sae->weights()) {
        store::ArtifactRecord a;
        a.runId = runId;
        a.kind = store::ArtifactKind::Tensor;
        a.name = name;
        a.mime = "application/x-cs-tensor";
        a.tensor = blob;
        store.addArtifact(a);
    }
    auto addJson = [&](store::ArtifactKind kind, const std::string& name, const std::string& text) {
        store::ArtifactRecord a;
        a.runId = runId;
        a.kind = kind;
        a.name = name;
        a.mime = "application/json";
        a.bytes = text;
        store.addArtifact(a);
    };
    std::vector<double> logFrequency, activationValues;
    for (const auto& c : s.concepts)
        if (c.activations != 0) logFrequency.push_back(std::log10(std::max(c.frequency, 1e-7)));
    for (float v : s.finalCodes.values)
        if (v > 0) activationValues.push_back(v);
    const double maxActivation =
        activationValues.empty() ? 1.0 : *std::max_element(activationValues.begin(), activationValues.end());
    addJson(store::ArtifactKind::Tree, "latent_hierarchy", s.hierarchy);
    addJson(store::ArtifactKind::Histogram, "latent_log10_frequency", histogramJson(logFrequency, -7.0, 0.0, 28, "log10 frequency").dump());
    addJson(store::ArtifactKind::Histogram, "activation_values", histogramJson(activationValues, 0.0, maxActivation, 40, "activation").dump());
    addJson(store::ArtifactKind::Curve, "sae_training", summary["sae_training"].dump());
    for (const auto& a : s.ablations) addJson(store::ArtifactKind::Ablation, "latent_" + std::to_string(a["latent"].get<int64_t>()), a.dump());
}

}  // namespace

RecSaeJob::RecSaeJob(RecSaeOptions options) : options_(std::move(options)) {}

void RecSaeJob::run(jobs::JobContext& context) {
    const auto& o = options_;
    const auto start = Clock::now();
    RecSaeState s = loadAndProbe(o, context);
    s.timings["load"] = since(start);
    auto store = store::ProjectStore::openOrCreate(o.projectPath);
    const store::RunStart runStart = recordModelAndDataset(*store, o, s);
    store::runStored(*store, runStart, [&](int64_t runId) {
        runId_ = runId;
        timed(s.timings, "states", [&] { extractTrainingStates(s, o, context); });
        timed(s.timings, "sae", [&] { s.training = s.sae->train(s.states, &context); });
        timed(s.timings, "evaluate", [&] { evaluateQuality(s, context); });
        timed(s.timings, "dictionary", [&] { buildDictionary(s, o, context); });
        timed(s.timings, "hierarchy", [&] { buildHierarchy(s, o, context); });
        timed(s.timings, "ablation", [&] { ablateStrongestLatents(s, o, context); });
        // The summary and the results are stored in one transaction with the final status.
        const auto storeStart = Clock::now();
        context.report("store", 0.95, "writing the run");
        s.timings["total"] = since(start);
        summary_ = summaryJson(runId, o, s);
        store->completeRun(runId, summary_.dump(), [&] {
            storeLatents(*store, runId, s);
            storeArtifacts(*store, runId, s, summary_);
        });
        summary_["timings_s"]["store"] = since(storeStart);
        context.report("done", 1.0, "run " + std::to_string(runId));
    });
}

}  // namespace cs::sae
