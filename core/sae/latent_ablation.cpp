#include "sae/latent_ablation.h"

#include "common/error.h"
#include "sae/recommender.h"
#include "sae/recsae_steps.h"
#include "sae/stored_recsae.h"
#include "store/project_store.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace cs::sae {
namespace {

using nlohmann::json;

// Top-N items of each row of scores, the padding column and the user's history masked.
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

// Top-N lists before and after, per user.
struct TopLists {
    std::vector<std::vector<int64_t>> before, after;
};

json fileIds(const std::vector<int64_t>& items, const data::InteractionLog& log) {
    json ids = json::array();
    for (int64_t i : items) ids.push_back(i < static_cast<int64_t>(log.itemIds.size()) ? log.itemIds[i] : std::to_string(i));
    return ids;
}

// The tags that gained (rose) or lost (fell) most places in the lists, per user, 5 of each.
void addTagShifts(const std::vector<double>& tagDelta, size_t users, const data::ItemAttributes& attrs, json& result) {
    std::vector<std::pair<double, std::string>> deltas;
    for (size_t t = 0; t < tagDelta.size(); ++t)
        if (tagDelta[t] != 0) deltas.push_back({tagDelta[t] / users, attrs.tagNames[t]});
    std::sort(deltas.begin(), deltas.end());
    json rose = json::array(), fell = json::array();
    for (auto it = deltas.rbegin(); it != deltas.rend() && rose.size() < 5 && it->first > 0; ++it)
        rose.push_back({{"tag", it->second}, {"delta", it->first}});
    for (auto it = deltas.begin(); it != deltas.end() && fell.size() < 5 && it->first < 0; ++it)
        fell.push_back({{"tag", it->second}, {"delta", it->first}});
    result["tags_rose"] = rose;
    result["tags_fell"] = fell;
}

// Overlap of the lists, tag shifts and a few examples (the result's second half).
void compareTopLists(const TopLists& lists, const std::vector<std::string>& userIds, const data::InteractionLog& log,
                     const data::ItemAttributes& attrs, json& result) {
    double overlap = 0;
    std::vector<double> tagDelta(attrs.tagNames.size(), 0.0);
    json examples = json::array();
    auto countTags = [&](const std::vector<int64_t>& items, double sign) {
        for (int64_t item : items)
            if (item < static_cast<int64_t>(attrs.itemTags.size()))
                for (int t : attrs.itemTags[item]) tagDelta[t] += sign;
    };
    for (size_t u = 0; u < lists.before.size(); ++u) {
        const auto& before = lists.before[u];
        const auto& after = lists.after[u];
        int kept = 0;
        for (int64_t item : after)
            if (std::find(before.begin(), before.end(), item) != before.end()) ++kept;
        overlap += double(kept) / std::max<size_t>(1, before.size());
        countTags(before, -1.0);
        countTags(after, +1.0);
        if (examples.size() < 5)
            examples.push_back({{"user", userIds[u]}, {"before", fileIds(before, log)}, {"after", fileIds(after, log)}});
    }
    result["mean_overlap"] = overlap / lists.before.size();
    addTagShifts(tagDelta, lists.before.size(), attrs, result);
    result["examples"] = examples;
}

// Users (history = train + valid, as in the run's evaluation) whose final state activates the latent.
struct ChosenUsers {
    std::vector<std::vector<int64_t>> histories;
    std::vector<std::string> ids;
};

ChosenUsers usersActivating(ProbedRecommender& model, const SparseAutoencoder& sae, const data::InteractionLog& log,
                            int64_t latent, int maxUsers, jobs::JobContext& context) {
    const auto split = data::leaveOneOut(log);
    std::vector<std::vector<int64_t>> histories;
    for (size_t u = 0; u < split.train.size(); ++u) {
        auto h = split.train[u];
        h.push_back(split.valid[u]);
        histories.push_back(std::move(h));
    }
    ChosenUsers users;
    for (size_t b = 0; b < histories.size() && static_cast<int>(users.histories.size()) < maxUsers; b += 512) {
        context.checkCancelled();
        std::vector<std::vector<int64_t>> batch(histories.begin() + b, histories.begin() + std::min(histories.size(), b + 512));
        auto [v, i] = sae.encode(model.encode(padLeft(batch, model.maxLength())));
        auto hit = ((i == latent) & (v > 0)).any(1);
        for (int64_t q = 0; q < hit.size(0) && static_cast<int>(users.histories.size()) < maxUsers; ++q)
            if (hit[q].item<bool>()) {
                users.histories.push_back(batch[q]);
                users.ids.push_back(log.userIds[b + q]);
            }
    }
    return users;
}

}  // namespace

json ablateLatent(model::SequentialRecommender& model, const SparseAutoencoder& sae,
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
    // Both lists are scored from the SAE's reconstruction, so only the latent's change differs.
    auto steered = values.clone();
    steered.masked_scatter_(indices == latent, values.masked_select(indices == latent) * scale);
    auto before = normaliseScores(model.score(sae.decode(values, indices)), numItems, model.info().path);
    auto after = normaliseScores(model.score(sae.decode(steered, indices)), numItems, model.info().path);
    const TopLists lists{topItems(before.contiguous(), histories, topN), topItems(after.contiguous(), histories, topN)};
    compareTopLists(lists, userIds, log, attrs, result);
    return result;
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
    const std::unique_ptr<SparseAutoencoder> storedSae = loadStoredSae(*store, r.runId, params, subject);
    const SparseAutoencoder& sae = *storedSae;
    if (r.latent < 0 || r.latent >= sae.latents())
        throw Error(subject, "latent " + std::to_string(r.latent) + " is out of range (0 .. " +
                                 std::to_string(sae.latents() - 1) + ")");
    auto model = ProbedRecommender::load(params.at("model").get<std::string>(), loaderOfRun(params));
    auto log = loadLogFor(*model, params.at("interactions").get<std::string>(), params.at("format").get<std::string>());
    auto attrs = loadAttributes(params.value("item_meta", std::string()), log);
    context.checkCancelled();
    context.report("select", 0.4, "users whose state activates latent " + std::to_string(r.latent));
    const ChosenUsers users = usersActivating(*model, sae, log, r.latent, r.maxUsers, context);
    context.report("ablate", 0.8, "rescoring");
    result_ = ablateLatent(*model, sae, users.histories, users.ids, log, attrs, r.latent, r.scale, r.topN,
                           model->maxLength());
    result_["run_id"] = r.runId;
    context.report("done", 1.0, "");
}

}  // namespace cs::sae
