#include "sae/recsae_job.h"

#include "common/error.h"
#include "data/interactions.h"
#include "data/item_metadata.h"
#include "sae/concept_dictionary.h"
#include "sae/recommender.h"
#include "model/model_loader.h"
#include "store/project_store.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <random>

namespace cs::sae {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The log indexed the way the model sees items: its own vocabulary (train-sasrec models), or
// raw numeric ids 1..num_items for models that do not carry one.
data::InteractionLog loadLogFor(const ProbedRecommender& model, const std::string& path,
                                const std::string& format) {
    data::InteractionLoadOptions options;
    options.format = data::interactionFormatFromString(format);
    if (!model.itemVocabulary().empty()) options.vocabulary = model.itemVocabulary();
    else options.identityMaxItem = model.info().numItems;
    return data::loadInteractions(path, options);
}

data::ItemAttributes loadAttributes(const std::string& metaPath, const data::InteractionLog& log) {
    if (metaPath.empty()) {
        data::ItemAttributes none;
        none.itemTags.assign(log.itemIds.size(), {});
        none.titles.assign(log.itemIds.size(), "");
        return none;
    }
    return data::alignItemMetadata(data::loadItemMetadata(metaPath), log);
}

// A prefix of a user's sequence: the first `length` items.
struct Prefix {
    int32_t user = 0;
    int32_t length = 0;
};

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
            seqs.emplace_back(s.begin(), s.begin() + prefixes[i].length);
        }
        parts.push_back(model.encode(padLeft(seqs, maxLength)));
        if (context)
            context->report("states", fractionFrom + (fractionTo - fractionFrom) * double(end) / prefixes.size(),
                            std::to_string(end) + " / " + std::to_string(prefixes.size()) + " states");
    }
    return torch::cat(parts, 0);
}

LatentCodes toCodes(const TopKSae& sae, const torch::Tensor& states) {
    LatentCodes codes;
    codes.rows = states.size(0);
    codes.k = sae.k();
    codes.latents = sae.latents();
    codes.indices.resize(codes.rows * codes.k);
    codes.values.resize(codes.rows * codes.k);
    for (int64_t b = 0; b < codes.rows; b += 4096) {
        const int64_t len = std::min<int64_t>(4096, codes.rows - b);
        auto [v, i] = sae.encode(states.narrow(0, b, len));
        auto vi = v.contiguous();
        auto ii = i.to(torch::kInt32).contiguous();
        std::copy(vi.data_ptr<float>(), vi.data_ptr<float>() + len * codes.k, codes.values.begin() + b * codes.k);
        std::copy(ii.data_ptr<int32_t>(), ii.data_ptr<int32_t>() + len * codes.k, codes.indices.begin() + b * codes.k);
    }
    return codes;
}

// Top-N items (masked history) of each row of scores.
std::vector<std::vector<int64_t>> topItems(torch::Tensor scores, const std::vector<std::vector<int64_t>>& histories,
                                           int topN) {
    scores = scores.clone();
    scores.select(1, 0).fill_(-INFINITY);
    auto acc = scores.accessor<float, 2>();
    for (int64_t b = 0; b < scores.size(0); ++b)
        for (int64_t item : histories[b]) acc[b][item] = -INFINITY;
    auto idx = std::get<1>(scores.topk(std::min<int64_t>(topN, scores.size(1) - 1), 1)).contiguous();
    std::vector<std::vector<int64_t>> out(scores.size(0));
    for (int64_t b = 0; b < idx.size(0); ++b)
        out[b].assign(idx[b].data_ptr<int64_t>(), idx[b].data_ptr<int64_t>() + idx.size(1));
    return out;
}

// Zero or scale one latent in the codes of the given users, decode, rescore (docs/recsae.md).
json ablateLatent(model::SequentialRecommender& model, const TopKSae& sae,
                  const std::vector<std::vector<int64_t>>& histories, const std::vector<std::string>& userIds,
                  const data::InteractionLog& log, const data::ItemAttributes& attrs, int64_t latent, double scale,
                  int topN, int64_t maxLength) {
    torch::NoGradGuard noGrad;
    json result = {{"latent", latent}, {"scale", scale}, {"top_n", topN}, {"users", histories.size()}};
    if (histories.empty()) {
        result["mean_overlap"] = 1.0;
        result["tags_rose"] = json::array();
        result["tags_fell"] = json::array();
        result["examples"] = json::array();
        return result;
    }
    const int64_t numItems = model.info().numItems;
    auto x = model.encode(padLeft(histories, maxLength));
    auto [values, indices] = sae.encode(x);
    auto steered = values.clone();
    steered.masked_scatter_(indices == latent, values.masked_select(indices == latent) * scale);
    auto before = normaliseScores(model.score(sae.decode(values, indices)), numItems, model.info().path);
    auto after = normaliseScores(model.score(sae.decode(steered, indices)), numItems, model.info().path);
    auto topBefore = topItems(before.contiguous(), histories, topN);
    auto topAfter = topItems(after.contiguous(), histories, topN);
    double overlap = 0;
    std::vector<double> tagDelta(attrs.tagNames.size(), 0.0);
    json examples = json::array();
    auto fileIds = [&](const std::vector<int64_t>& items) {
        json ids = json::array();
        for (int64_t i : items) ids.push_back(i < static_cast<int64_t>(log.itemIds.size()) ? log.itemIds[i] : std::to_string(i));
        return ids;
    };
    for (size_t u = 0; u < topBefore.size(); ++u) {
        int kept = 0;
        for (int64_t item : topAfter[u])
            if (std::find(topBefore[u].begin(), topBefore[u].end(), item) != topBefore[u].end()) ++kept;
        overlap += double(kept) / std::max<size_t>(1, topBefore[u].size());
        for (int64_t item : topBefore[u])
            if (item < static_cast<int64_t>(attrs.itemTags.size()))
                for (int t : attrs.itemTags[item]) tagDelta[t] -= 1.0;
        for (int64_t item : topAfter[u])
            if (item < static_cast<int64_t>(attrs.itemTags.size()))
                for (int t : attrs.itemTags[item]) tagDelta[t] += 1.0;
        if (examples.size() < 5)
            examples.push_back({{"user", userIds[u]}, {"before", fileIds(topBefore[u])}, {"after", fileIds(topAfter[u])}});
    }
    result["mean_overlap"] = overlap / topBefore.size();
    std::vector<std::pair<double, std::string>> deltas;
    for (size_t t = 0; t < tagDelta.size(); ++t)
        if (tagDelta[t] != 0) deltas.push_back({tagDelta[t] / topBefore.size(), attrs.tagNames[t]});
    std::sort(deltas.begin(), deltas.end());
    json rose = json::array(), fell = json::array();
    for (auto it = deltas.rbegin(); it != deltas.rend() && rose.size() < 5 && it->first > 0; ++it)
        rose.push_back({{"tag", it->second}, {"delta", it->first}});
    for (auto it = deltas.begin(); it != deltas.end() && fell.size() < 5 && it->first < 0; ++it)
        fell.push_back({{"tag", it->second}, {"delta", it->first}});
    result["tags_rose"] = rose;
    result["tags_fell"] = fell;
    result["examples"] = examples;
    return result;
}

json histogramJson(const std::vector<double>& values, double lo, double hi, int bins, const std::string& what) {
    std::vector<int64_t> counts(bins, 0);
    for (double v : values) {
        int b = static_cast<int>((v - lo) / (hi - lo) * bins);
        counts[std::clamp(b, 0, bins - 1)] += 1;
    }
    json edges = json::array();
    for (int b = 0; b <= bins; ++b) edges.push_back(lo + (hi - lo) * b / bins);
    return {{"quantity", what}, {"edges", edges}, {"counts", counts}};
}

}  // namespace

RecSaeJob::RecSaeJob(RecSaeOptions options) : options_(std::move(options)) {}

void RecSaeJob::run(jobs::JobContext& context) {
    const auto& o = options_;
    const auto start = Clock::now();
    json timings;
    // Validate what costs nothing before touching the project.
    SaeConfig saeConfig = o.sae;
    if (saeConfig.expansion < 1 || saeConfig.expansion > 1024)
        throw Error("--expansion", "expansion " + std::to_string(saeConfig.expansion) + " is out of range (1 .. 1024)");
    context.report("load", 0.0, "loading " + o.modelPath);
    auto model = ProbedRecommender::load(o.modelPath, o.loader);
    auto log = loadLogFor(*model, o.interactionsPath, o.format);
    auto attrs = loadAttributes(o.itemMetaPath, log);
    const auto split = data::leaveOneOut(log);
    const int64_t maxLength = model->maxLength();
    const int64_t numItems = model->info().numItems;

    // Probe once: the state dimension, and that score accepts what encode returns.
    torch::Tensor probe = model->encode(padLeft({split.train[0]}, maxLength));
    const int64_t d = probe.size(1);
    try {
        normaliseScores(model->score(probe), numItems, o.modelPath);
    } catch (const Error& e) {
        throw Error(o.modelPath, "encode returns states of dimension " + std::to_string(d) +
                                     " that score does not accept: " + e.problem());
    }
    TopKSae sae(d, saeConfig);  // throws on a latent count or k out of range
    timings["load"] = since(start);

    auto store = store::ProjectStore::openOrCreate(o.projectPath);
    store::ModelRecord modelRecord;
    modelRecord.path = o.modelPath;
    modelRecord.sha256 = model->info().sha256.empty() ? model::sha256File(o.modelPath) : model->info().sha256;
    modelRecord.adapter = model->info().adapter;
    modelRecord.kind = "sequential-recommender";
    modelRecord.metadataJson = json{{"num_items", numItems}, {"state_dim", d}, {"max_len", maxLength}}.dump();
    const int64_t modelId = store->addModel(modelRecord);
    store::DatasetRecord dataset;
    dataset.path = o.interactionsPath;
    dataset.kind = "interactions";
    dataset.metadataJson = json{{"format", data::toString(log.format)},
                                {"users", log.numUsers()},
                                {"items", log.numItems()},
                                {"interactions", log.numInteractions},
                                {"item_meta", o.itemMetaPath}}
                               .dump();
    const int64_t datasetId = store->addDataset(dataset);
    json parameters = {{"model", o.modelPath},          {"adapter", model->info().adapter},
                       {"plugin_dirs", o.loader.pluginDirs}, {"adapter_options", o.loader.optionsJson},
                       {"interactions", o.interactionsPath},
                       {"format", o.format},            {"item_meta", o.itemMetaPath},
                       {"expansion", saeConfig.expansion}, {"k", saeConfig.k},
                       {"epochs", saeConfig.epochs},    {"seed", saeConfig.seed},
                       {"learning_rate", saeConfig.learningRate}, {"batch_size", saeConfig.batchSize}};
    runId_ = store->createRun("recsae", parameters.dump(), modelId, datasetId);
    store->markRunning(runId_);
    try {
        // Training states: every position of the users' training sequences (each prefix).
        auto phase = Clock::now();
        std::mt19937_64 rng(saeConfig.seed);
        std::vector<Prefix> prefixes;
        for (size_t u = 0; u < split.train.size(); ++u)
            for (size_t len = 1; len <= split.train[u].size(); ++len)
                prefixes.push_back({static_cast<int32_t>(u), static_cast<int32_t>(len)});
        if (static_cast<int64_t>(prefixes.size()) > o.maxTrainStates) {
            std::shuffle(prefixes.begin(), prefixes.end(), rng);
            prefixes.resize(o.maxTrainStates);
        }
        auto states = extractStates(*model, split.train, prefixes, maxLength, &context, 0.0, 0.2);
        timings["states"] = since(phase);

        phase = Clock::now();
        auto trainStats = sae.train(states, &context);
        timings["sae"] = since(phase);

        // Quality on the last position: history = train + valid, target = test.
        phase = Clock::now();
        context.report("evaluate", 0.7, "ranking with original and reconstructed states");
        std::vector<std::vector<int64_t>> testHistory = split.train;
        for (size_t u = 0; u < testHistory.size(); ++u) testHistory[u].push_back(split.valid[u]);
        torch::Tensor evalStates;
        {
            std::vector<Prefix> finals;
            for (size_t u = 0; u < testHistory.size(); ++u)
                finals.push_back({static_cast<int32_t>(u), static_cast<int32_t>(testHistory[u].size())});
            // Keep user order for the final states (extractStates sorts by length).
            std::vector<torch::Tensor> parts;
            for (size_t b = 0; b < testHistory.size(); b += 512) {
                context.checkCancelled();
                std::vector<std::vector<int64_t>> batch(testHistory.begin() + b,
                                                        testHistory.begin() + std::min(testHistory.size(), b + 512));
                parts.push_back(model->encode(padLeft(batch, maxLength)));
            }
            evalStates = torch::cat(parts, 0);
        }
        auto modelMetrics = evaluateRanking([&](const at::Tensor& seq) { return model->score(model->encode(seq)); },
                                            testHistory, split.test, numItems, maxLength);
        auto reconMetrics = evaluateRanking(
            [&](const at::Tensor& seq) { return model->score(sae.reconstruct(model->encode(seq))); }, testHistory,
            split.test, numItems, maxLength);
        const double fvu = sae.fvu(evalStates);
        auto evalCodes = toCodes(sae, evalStates);
        double l0 = 0;
        for (float v : evalCodes.values) l0 += v > 0 ? 1 : 0;
        l0 /= std::max<int64_t>(1, evalCodes.rows);
        timings["evaluate"] = since(phase);

        // Concept dictionary on (a sample of) the training prefixes.
        phase = Clock::now();
        context.report("dictionary", 0.8, "tags and confidence per latent");
        auto trainCodes = toCodes(sae, states);
        const double dead = deadFraction(trainCodes);
        LatentCodes corpusCodes = trainCodes;
        std::vector<Prefix> corpus = prefixes;
        if (static_cast<int64_t>(prefixes.size()) > o.maxCorpusSequences) {
            std::vector<int64_t> rows(prefixes.size());
            std::iota(rows.begin(), rows.end(), 0);
            std::shuffle(rows.begin(), rows.end(), rng);
            rows.resize(o.maxCorpusSequences);
            std::sort(rows.begin(), rows.end());
            corpus.clear();
            corpusCodes.rows = static_cast<int64_t>(rows.size());
            corpusCodes.indices.resize(rows.size() * sae.k());
            corpusCodes.values.resize(rows.size() * sae.k());
            for (size_t r = 0; r < rows.size(); ++r) {
                corpus.push_back(prefixes[rows[r]]);
                for (int64_t j = 0; j < sae.k(); ++j) {
                    corpusCodes.indices[r * sae.k() + j] = trainCodes.indices[rows[r] * sae.k() + j];
                    corpusCodes.values[r * sae.k() + j] = trainCodes.values[rows[r] * sae.k() + j];
                }
            }
        }
        DictionaryOptions dictOptions;
        dictOptions.seed = saeConfig.seed;
        std::vector<std::vector<int64_t>> recent;
        recent.reserve(corpus.size());
        for (const auto& p : corpus) {
            const auto& s = split.train[p.user];
            const int64_t from = std::max<int64_t>(0, p.length - dictOptions.recentWindow);
            recent.emplace_back(s.begin() + from, s.begin() + p.length);
        }
        auto concepts = buildConceptDictionary(corpusCodes, recent, attrs, dictOptions);
        timings["dictionary"] = since(phase);

        phase = Clock::now();
        context.report("hierarchy", 0.85, "clustering latents by co-activation");
        const std::string hierarchy = latentHierarchyJson(corpusCodes, concepts, o.hierarchyLeaves);
        timings["hierarchy"] = since(phase);

        // Ablate the strongest described latents on the users whose final state uses them.
        phase = Clock::now();
        context.report("ablation", 0.9, "ablating the strongest latents");
        std::vector<int64_t> order(concepts.size());
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
            return std::make_pair(concepts[a].confidence, concepts[a].mass) >
                   std::make_pair(concepts[b].confidence, concepts[b].mass);
        });
        std::vector<json> ablations;
        for (int64_t j : order) {
            if (static_cast<int>(ablations.size()) >= o.ablatedLatents || concepts[j].mass <= 0) break;
            context.checkCancelled();
            std::vector<std::vector<int64_t>> users;
            std::vector<std::string> userIds;
            for (int64_t r = 0; r < evalCodes.rows && users.size() < 50; ++r)
                for (int64_t c = 0; c < evalCodes.k; ++c)
                    if (evalCodes.indices[r * evalCodes.k + c] == j && evalCodes.values[r * evalCodes.k + c] > 0) {
                        users.push_back(testHistory[r]);
                        userIds.push_back(log.userIds[r]);
                        break;
                    }
            if (users.empty()) continue;
            ablations.push_back(ablateLatent(*model, sae, users, userIds, log, attrs, j, 0.0, o.topN, maxLength));
        }
        timings["ablation"] = since(phase);

        // Summary (docs/cli.md) and the store, in one transaction with the final status.
        phase = Clock::now();
        context.report("store", 0.95, "writing the run");
        int64_t confident = 0;
        json latentsJson = json::array();
        std::vector<double> logFrequency, activationValues;
        for (const auto& c : concepts) {
            if (c.confidence >= 0.8) ++confident;
            if (c.activations == 0) continue;
            logFrequency.push_back(std::log10(std::max(c.frequency, 1e-7)));
            json tags = json::array();
            for (const auto& t : c.tags) tags.push_back(t.term);
            latentsJson.push_back({{"id", c.index},
                                   {"frequency", c.frequency},
                                   {"tags", tags},
                                   {"confidence", c.confidence},
                                   {"precision", c.precision},
                                   {"recall", c.recall}});
        }
        for (float v : evalCodes.values)
            if (v > 0) activationValues.push_back(v);
        const double maxActivation =
            activationValues.empty() ? 1.0 : *std::max_element(activationValues.begin(), activationValues.end());
        timings["total"] = since(start);
        summary_ = {{"run_id", runId_},
                    {"n_latents", sae.latents()},
                    {"k", sae.k()},
                    {"expansion", saeConfig.expansion},
                    {"state_dim", d},
                    {"fvu", fvu},
                    {"dead_fraction", dead},
                    {"l0", l0},
                    {"ndcg10_model", modelMetrics.ndcg10},
                    {"ndcg10_reconstructed", reconMetrics.ndcg10},
                    {"hr10_model", modelMetrics.hr10},
                    {"hr10_reconstructed", reconMetrics.hr10},
                    {"users", log.numUsers()},
                    {"items", log.numItems()},
                    {"train_states", states.size(0)},
                    {"corpus_sequences", corpusCodes.rows},
                    {"confident_latents", confident},
                    {"sae_training", {{"fvu_per_epoch", trainStats.lossPerEpoch},
                                      {"dead_per_epoch", trainStats.deadPerEpoch},
                                      {"samples_per_second", trainStats.samplesPerSecond()}}},
                    {"warnings", [&] {
                         json w = json::array();
                         for (const auto& s : log.warnings) w.push_back(s);
                         for (const auto& s : attrs.warnings) w.push_back(s);
                         return w;
                     }()},
                    {"latents", latentsJson},
                    {"timings_s", timings}};
        store->completeRun(runId_, summary_.dump(), [&] {
            for (const auto& c : concepts) {
                store::LatentRecord rec;
                rec.runId = runId_;
                rec.index = c.index;
                rec.frequency = c.frequency;
                rec.confidence = c.confidence;
                rec.precision = c.precision;
                rec.recall = c.recall;
                json tags = json::array(), words = json::array(), top = json::array();
                for (const auto& t : c.tags) tags.push_back({{"tag", t.term}, {"log_odds", t.score}});
                for (const auto& t : c.titleWords) words.push_back({{"word", t.term}, {"log_odds", t.score}});
                for (size_t i = 0; i < c.topSequences.size(); ++i) {
                    const auto& p = corpus[c.topSequences[i]];
                    const auto& s = split.train[p.user];
                    json items = json::array();
                    for (int64_t q = std::max<int64_t>(0, p.length - 10); q < p.length; ++q) items.push_back(log.itemIds[s[q]]);
                    top.push_back({{"user", log.userIds[p.user]}, {"length", p.length}, {"activation", c.topActivations[i]},
                                   {"recent_items", items}});
                }
                rec.tagsJson = tags.dump();
                rec.metadataJson = json{{"activations", c.activations}, {"mass", c.mass}, {"title_words", words},
                                        {"top_sequences", top}, {"dead", c.activations == 0}}
                                       .dump();
                store->addLatent(rec);
            }
            for (auto& [name, blob] : sae.weights()) {
                store::ArtifactRecord a;
                a.runId = runId_;
                a.kind = store::ArtifactKind::Tensor;
                a.name = name;
                a.mime = "application/x-cs-tensor";
                a.tensor = blob;
                store->addArtifact(a);
            }
            auto addJson = [&](const std::string& kind, const std::string& name, const std::string& text) {
                store::ArtifactRecord a;
                a.runId = runId_;
                a.kind = store::artifactKindFromString(kind);
                a.name = name;
                a.mime = "application/json";
                a.bytes = text;
                store->addArtifact(a);
            };
            addJson("tree", "latent_hierarchy", hierarchy);
            addJson("histogram", "latent_log10_frequency", histogramJson(logFrequency, -7.0, 0.0, 28, "log10 frequency").dump());
            addJson("histogram", "activation_values", histogramJson(activationValues, 0.0, maxActivation, 40, "activation").dump());
            addJson("curve", "sae_training", summary_["sae_training"].dump());
            for (const auto& a : ablations) addJson("ablation", "latent_" + std::to_string(a["latent"].get<int64_t>()), a.dump());
        });
        summary_["timings_s"]["store"] = since(phase);
        context.report("done", 1.0, "run " + std::to_string(runId_));
    } catch (const Cancelled&) {
        store->markCancelled(runId_);
        throw;
    } catch (const std::exception& e) {
        store->markFailed(runId_, e.what());
        throw;
    }
}

LatentAblationJob::LatentAblationJob(AblationRequest request) : request_(std::move(request)) {}

void LatentAblationJob::run(jobs::JobContext& context) {
    const auto& r = request_;
    auto store = store::ProjectStore::open(r.projectPath, true);
    auto run = store->run(r.runId);
    const std::string subject = r.projectPath + " run " + std::to_string(r.runId);
    if (!run || run->kind != "recsae") throw Error(subject, "no RecSAE run with this id");
    if (run->status != store::RunStatus::Done) throw Error(subject, "the run is not finished");
    const json params = json::parse(run->parametersJson);
    context.report("load", 0.1, "loading the model and the SAE");
    std::vector<std::pair<std::string, TensorBlob>> weights;
    for (const char* name : {"W_enc", "b_enc", "W_dec", "b_dec"}) {
        auto a = store->artifact(r.runId, store::ArtifactKind::Tensor, name);
        if (!a || !a->tensor) throw Error(subject, std::string("SAE tensor ") + name + " is missing");
        weights.push_back({name, *a->tensor});
    }
    auto sae = TopKSae::fromWeights(weights, params.at("k").get<int64_t>(), subject);
    if (r.latent < 0 || r.latent >= sae.latents())
        throw Error(subject, "latent " + std::to_string(r.latent) + " is out of range (0 .. " +
                                 std::to_string(sae.latents() - 1) + ")");
    // The adapter that ran the probe (a plugin's, possibly), found in the same folders.
    RecommenderLoadOptions loader;
    loader.adapter = params.value("adapter", std::string("auto"));
    loader.pluginDirs = params.value("plugin_dirs", std::vector<std::string>{});
    loader.optionsJson = params.value("adapter_options", std::string());
    auto model = ProbedRecommender::load(params.at("model").get<std::string>(), loader);
    auto log = loadLogFor(*model, params.at("interactions").get<std::string>(), params.at("format").get<std::string>());
    auto attrs = loadAttributes(params.value("item_meta", std::string()), log);
    const auto split = data::leaveOneOut(log);
    context.checkCancelled();
    std::vector<std::vector<int64_t>> histories, users;
    std::vector<std::string> userIds;
    for (size_t u = 0; u < split.train.size(); ++u) {
        auto h = split.train[u];
        h.push_back(split.valid[u]);
        histories.push_back(std::move(h));
    }
    context.report("select", 0.4, "users whose state activates latent " + std::to_string(r.latent));
    for (size_t b = 0; b < histories.size() && static_cast<int>(users.size()) < r.maxUsers; b += 512) {
        context.checkCancelled();
        std::vector<std::vector<int64_t>> batch(histories.begin() + b, histories.begin() + std::min(histories.size(), b + 512));
        auto [v, i] = sae.encode(model->encode(padLeft(batch, model->maxLength())));
        auto hit = ((i == r.latent) & (v > 0)).any(1);
        for (int64_t q = 0; q < hit.size(0) && static_cast<int>(users.size()) < r.maxUsers; ++q)
            if (hit[q].item<bool>()) {
                users.push_back(batch[q]);
                userIds.push_back(log.userIds[b + q]);
            }
    }
    context.report("ablate", 0.8, "rescoring");
    result_ = ablateLatent(*model, sae, users, userIds, log, attrs, r.latent, r.scale, r.topN, model->maxLength());
    result_["run_id"] = r.runId;
    context.report("done", 1.0, "");
}

}  // namespace cs::sae
