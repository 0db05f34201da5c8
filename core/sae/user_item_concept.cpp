#include "sae/user_item_concept.h"

#include "common/error.h"
#include "data/interactions.h"
#include "sae/concept_dictionary.h"
#include "sae/recommender.h"
#include "sae/recsae_steps.h"
#include "sae/stored_recsae.h"
#include "store/project_store.h"

#include <torch/torch.h>

#include <algorithm>

namespace cs::sae {

using nlohmann::json;

namespace {

// itemInSet[internal id] for the request's tag or item ids; cs::Error naming what is unknown.
std::vector<char> itemSet(const UserItemConceptRequest& r, const data::InteractionLog& log, const data::ItemAttributes& attrs,
                          const std::string& subject) {
    std::vector<char> inSet(static_cast<size_t>(log.numItems() + 1), 0);
    if (!r.tag.empty()) {
        if (attrs.tagNames.empty()) throw Error(subject, "the run has no item metadata with tags; name the items with --items");
        const auto it = std::find(attrs.tagNames.begin(), attrs.tagNames.end(), r.tag);
        if (it == attrs.tagNames.end()) throw Error(subject, "the item metadata has no tag '" + r.tag + "'");
        const int tag = static_cast<int>(it - attrs.tagNames.begin());
        for (size_t i = 1; i < attrs.itemTags.size() && i < inSet.size(); ++i)
            inSet[i] = std::find(attrs.itemTags[i].begin(), attrs.itemTags[i].end(), tag) != attrs.itemTags[i].end();
    } else {
        std::string unknown;
        for (const std::string& id : r.itemIds) {
            const int64_t item = log.internalItem(id);
            if (item <= 0) unknown += (unknown.empty() ? "" : ", ") + id;
            else inSet[static_cast<size_t>(item)] = 1;
        }
        if (!unknown.empty()) throw Error(subject, "the interaction log has no item " + unknown);
    }
    if (std::count(inSet.begin(), inSet.end(), 1) == 0) throw Error(subject, "the concept has no items the model knows");
    return inSet;
}

// The top-k codes of every user's final state (history = train + valid, as `ablate` and the run's
// evaluation use), 512 users per forward pass.
LatentCodes finalStateCodes(ProbedRecommender& model, const SparseAutoencoder& sae, const std::vector<std::vector<int64_t>>& histories,
                            jobs::JobContext& context) {
    torch::NoGradGuard noGrad;
    LatentCodes codes;
    codes.latents = sae.latents();
    for (size_t b = 0; b < histories.size(); b += 512) {
        context.checkCancelled();
        const std::vector<std::vector<int64_t>> batch(histories.begin() + b, histories.begin() + std::min(histories.size(), b + 512));
        auto [values, indices] = sae.encode(model.encode(padLeft(batch, model.maxLength())));
        values = values.to(torch::kFloat32).contiguous();
        indices = indices.to(torch::kInt32).contiguous();
        codes.k = values.size(1);
        codes.rows += values.size(0);
        codes.values.insert(codes.values.end(), values.data_ptr<float>(), values.data_ptr<float>() + values.numel());
        codes.indices.insert(codes.indices.end(), indices.data_ptr<int32_t>(), indices.data_ptr<int32_t>() + indices.numel());
    }
    return codes;
}

}  // namespace

UserItemConceptJob::UserItemConceptJob(UserItemConceptRequest request) : request_(std::move(request)) {}

void UserItemConceptJob::run(jobs::JobContext& context) {
    const auto& r = request_;
    const std::string subject = r.projectPath + " run " + std::to_string(r.runId);
    if (r.tag.empty() == r.itemIds.empty()) throw UsageError("give the concept either as --tag or as --items");
    auto store = store::ProjectStore::open(r.projectPath, true);
    const auto run = store->run(r.runId);
    if (!run || run->kind != "recsae") throw Error(subject, "no RecSAE run with this id");
    if (run->status != store::RunStatus::Done) throw Error(subject, "the run is not finished");
    const json params = json::parse(run->parametersJson);
    context.report("load", 0.1, "loading the model and the SAE");
    const std::unique_ptr<SparseAutoencoder> storedSae = loadStoredSae(*store, r.runId, params, subject);
    const SparseAutoencoder& sae = *storedSae;
    auto model = ProbedRecommender::load(params.at("model").get<std::string>(), loaderOfRun(params));
    const data::InteractionLog log = loadLogFor(*model, params.at("interactions").get<std::string>(), params.at("format").get<std::string>());
    const data::ItemAttributes attrs = loadAttributes(params.value("item_meta", std::string()), log);
    const std::vector<char> inSet = itemSet(r, log, attrs, subject);

    context.report("states", 0.3, "every user's final state");
    const auto split = data::leaveOneOut(log);
    std::vector<std::vector<int64_t>> histories, recent;
    const DictionaryOptions options;  // the dictionary's recent window, minimum activations, seed
    for (size_t u = 0; u < split.train.size(); ++u) {
        auto h = split.train[u];
        h.push_back(split.valid[u]);
        recent.emplace_back(h.end() - std::min<std::ptrdiff_t>(options.recentWindow, h.size()), h.end());
        histories.push_back(std::move(h));
    }
    const LatentCodes codes = finalStateCodes(*model, sae, histories, context);
    context.report("latents", 0.8, "precision and recall per latent");
    const std::vector<ItemSetLatent> matches = latentsForItemSet(codes, recent, inSet, options);

    std::vector<std::string> tagsOf(static_cast<size_t>(sae.latents()));
    for (const auto& latent : store->latents(r.runId))
        if (latent.index >= 0 && latent.index < sae.latents()) tagsOf[static_cast<size_t>(latent.index)] = latent.tagsJson;
    json latents = json::array();
    for (size_t i = 0; i < matches.size() && i < r.top; ++i) {
        const ItemSetLatent& m = matches[i];
        const json tags = json::parse(tagsOf[static_cast<size_t>(m.latent)].empty() ? "[]" : tagsOf[static_cast<size_t>(m.latent)], nullptr, false);
        latents.push_back({{"latent", m.latent}, {"precision", m.precision}, {"recall", m.recall}, {"f1", m.f1},
                           {"activations", m.activations}, {"tags", tags.is_discarded() ? json::array() : tags}});
    }
    int64_t statesWithItems = 0;
    for (const auto& items : recent)
        statesWithItems += std::any_of(items.begin(), items.end(), [&](int64_t item) { return item > 0 && static_cast<size_t>(item) < inSet.size() && inSet[item]; });
    result_ = {{"run_id", r.runId},
               {"concept", r.tag.empty() ? json{{"items", r.itemIds}} : json{{"tag", r.tag}}},
               {"n_items", std::count(inSet.begin(), inSet.end(), 1)},
               {"n_states", codes.rows},
               {"states_with_items", statesWithItems},
               {"latents", latents},
               {"steer_command", "concept-studio-cli ablate --project " + r.projectPath + " --run " + std::to_string(r.runId) +
                                     " --latent K --scale 2"}};
    context.report("done", 1.0, "");
}

}  // namespace cs::sae
