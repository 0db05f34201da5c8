#include "sae/recsae_steps.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace cs::sae {

using nlohmann::json;

data::InteractionLog loadLogFor(const ProbedRecommender& model, const std::string& path, const std::string& format) {
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

std::vector<Prefix> sampleTrainingPrefixes(const std::vector<std::vector<int64_t>>& sequences, int64_t maxPrefixes,
                                           std::mt19937_64& rng, int64_t maxLength) {
    std::vector<Prefix> prefixes;
    const size_t window = static_cast<size_t>(std::max<int64_t>(1, maxLength));
    for (size_t u = 0; u < sequences.size(); ++u) {
        const size_t n = sequences[u].size();
        // The model sees at most `window` items, so older positions of a long user would only
        // repeat its kind of state (and enumerating them all is quadratic work downstream).
        const size_t first = n > window ? n - window + 1 : 1;
        for (size_t len = first; len <= n; ++len)
            prefixes.push_back({static_cast<int32_t>(u), static_cast<int32_t>(len)});
    }
    if (static_cast<int64_t>(prefixes.size()) > maxPrefixes) {
        std::shuffle(prefixes.begin(), prefixes.end(), rng);
        prefixes.resize(maxPrefixes);
    }
    return prefixes;
}

CorpusSample sampleCorpus(const std::vector<Prefix>& prefixes, const LatentCodes& codes, int64_t maxRows,
                          std::mt19937_64& rng) {
    if (static_cast<int64_t>(prefixes.size()) <= maxRows) return {prefixes, codes};
    std::vector<int64_t> rows(prefixes.size());
    std::iota(rows.begin(), rows.end(), 0);
    std::shuffle(rows.begin(), rows.end(), rng);
    rows.resize(maxRows);
    std::sort(rows.begin(), rows.end());
    CorpusSample sample;
    sample.codes = codes;
    sample.codes.rows = static_cast<int64_t>(rows.size());
    sample.codes.indices.resize(rows.size() * codes.k);
    sample.codes.values.resize(rows.size() * codes.k);
    for (size_t r = 0; r < rows.size(); ++r) {
        sample.prefixes.push_back(prefixes[rows[r]]);
        for (int64_t j = 0; j < codes.k; ++j) {
            sample.codes.indices[r * codes.k + j] = codes.indices[rows[r] * codes.k + j];
            sample.codes.values[r * codes.k + j] = codes.values[rows[r] * codes.k + j];
        }
    }
    return sample;
}

std::vector<std::vector<int64_t>> recentItems(const std::vector<Prefix>& prefixes,
                                              const std::vector<std::vector<int64_t>>& sequences, int window) {
    std::vector<std::vector<int64_t>> recent;
    recent.reserve(prefixes.size());
    for (const auto& p : prefixes) {
        const auto& s = sequences[p.user];
        const int64_t from = std::max<int64_t>(0, p.length - window);
        recent.emplace_back(s.begin() + from, s.begin() + p.length);
    }
    return recent;
}

std::vector<int64_t> latentsByConfidence(const std::vector<LatentConcept>& concepts) {
    std::vector<int64_t> order(concepts.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        return std::make_pair(concepts[a].confidence, concepts[a].mass) >
               std::make_pair(concepts[b].confidence, concepts[b].mass);
    });
    return order;
}

std::vector<int64_t> rowsActivating(const LatentCodes& codes, int64_t latent, size_t maxRows) {
    std::vector<int64_t> rows;
    for (int64_t r = 0; r < codes.rows && rows.size() < maxRows; ++r)
        for (int64_t c = 0; c < codes.k; ++c)
            if (codes.indices[r * codes.k + c] == latent && codes.values[r * codes.k + c] > 0) {
                rows.push_back(r);
                break;
            }
    return rows;
}

json latentsSummaryJson(const std::vector<LatentConcept>& concepts) {
    json latents = json::array();
    for (const auto& c : concepts) {
        if (c.activations == 0) continue;
        json tags = json::array();
        for (const auto& t : c.tags) tags.push_back(t.term);
        latents.push_back({{"id", c.index},
                           {"frequency", c.frequency},
                           {"tags", tags},
                           {"confidence", c.confidence},
                           {"precision", c.precision},
                           {"recall", c.recall}});
    }
    return latents;
}

int64_t confidentLatents(const std::vector<LatentConcept>& concepts) {
    return std::count_if(concepts.begin(), concepts.end(),
                         [](const LatentConcept& c) { return c.confidence >= kConfidentLatent; });
}

std::string matryoshkaHierarchyJson(const LatentCodes& codes, const std::vector<LatentConcept>& concepts,
                                    const std::vector<int64_t>& prefixSizes, const std::vector<double>& prefixFvu,
                                    int maxLeaves) {
    const int groups = static_cast<int>(prefixSizes.size());
    const int leavesPerGroup = std::max(8, maxLeaves / std::max(1, groups));
    // Built from the finest prefix outwards, each node wrapping the next one.
    json inner;
    for (int g = groups - 1; g >= 0; --g) {
        const int64_t from = g == 0 ? 0 : prefixSizes[g - 1], to = prefixSizes[g];
        std::vector<LatentConcept> group = concepts;  // latents outside the group weigh nothing
        for (auto& c : group)
            if (c.index < from || c.index >= to) c.mass = 0;
        json node = json::parse(latentHierarchyJson(codes, group, leavesPerGroup));
        char label[160];
        std::snprintf(label, sizeof label, "%s %d: latents %lld-%lld", g == 0 ? "prefix" : "+ prefix", g + 1,
                      static_cast<long long>(from), static_cast<long long>(to - 1));
        std::string name = label;
        if (g < static_cast<int>(prefixFvu.size())) {
            std::snprintf(label, sizeof label, " (FVU %.3f)", prefixFvu[g]);
            name += label;
        }
        node["name"] = name;
        if (!node.contains("children")) node["children"] = json::array();
        if (!inner.is_null()) node["children"].push_back(inner);
        inner = node;
    }
    json root = {{"name", "latents"}, {"children", json::array()}};
    if (!inner.is_null()) root["children"].push_back(inner);
    return root.dump();
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

json topSequencesJson(const LatentConcept& concept, const std::vector<Prefix>& corpus,
                      const std::vector<std::vector<int64_t>>& sequences, const data::InteractionLog& log) {
    json top = json::array();
    for (size_t i = 0; i < concept.topSequences.size(); ++i) {
        const auto& p = corpus[concept.topSequences[i]];
        const auto& s = sequences[p.user];
        json items = json::array();
        for (int64_t q = std::max<int64_t>(0, p.length - 10); q < p.length; ++q) items.push_back(log.itemIds[s[q]]);
        top.push_back({{"user", log.userIds[p.user]}, {"length", p.length}, {"activation", concept.topActivations[i]},
                       {"recent_items", items}});
    }
    return top;
}

}  // namespace cs::sae
