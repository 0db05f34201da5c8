#include "sae/concept_dictionary.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <unordered_map>

namespace cs::sae {
namespace {

// Per corpus row, the attribute ids (tags or title words) of each recent item.
using TermLists = std::vector<std::vector<int>>;  // per item id

std::vector<std::string> titleWords(const std::string& title) {
    std::vector<std::string> words;
    std::string w;
    for (char ch : title + " ") {
        if (std::isalpha(static_cast<unsigned char>(ch))) {
            w += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        } else {
            if (w.size() >= 3 && w != "the" && w != "and") words.push_back(w);
            w.clear();
        }
    }
    std::sort(words.begin(), words.end());
    words.erase(std::unique(words.begin(), words.end()), words.end());
    return words;
}

// Smoothed log-odds of a term among a latent's recent items vs the whole corpus.
double logOdds(double a, double n, double corpusA, double corpusN) {
    const double alpha = 1.0;
    return std::log((a + alpha) / (n - a + alpha)) - std::log((corpusA + alpha) / (corpusN - corpusA + alpha));
}

struct TermCounter {
    const TermLists& itemTerms;
    const std::vector<std::vector<int64_t>>& recent;
    size_t numTerms;
    std::vector<double> corpus;
    double corpusSlots = 0;

    TermCounter(const TermLists& terms, const std::vector<std::vector<int64_t>>& recentItems, size_t n)
        : itemTerms(terms), recent(recentItems), numTerms(n), corpus(n, 0.0) {
        for (const auto& items : recent)
            for (int64_t item : items) {
                corpusSlots += 1;
                for (int t : itemTerms[item]) corpus[t] += 1;
            }
    }

    // Over-represented terms among `rows` (weighted), best first.
    std::vector<ScoredTerm> score(const std::vector<int64_t>& rows, const std::vector<double>& weights,
                                  const std::vector<std::string>& names, int maxTerms, double minLogOdds) const {
        std::unordered_map<int, double> counts;
        double slots = 0;
        for (size_t r = 0; r < rows.size(); ++r) {
            const double w = weights.empty() ? 1.0 : weights[r];
            for (int64_t item : recent[rows[r]]) {
                slots += w;
                for (int t : itemTerms[item]) counts[t] += w;
            }
        }
        std::vector<ScoredTerm> out;
        for (const auto& [t, a] : counts) {
            if (a < 3.0) continue;  // too little support to call it a concept
            const double lo = logOdds(a, slots, corpus[t], corpusSlots);
            if (lo >= minLogOdds) out.push_back({names[t], lo});
        }
        std::sort(out.begin(), out.end(), [](const ScoredTerm& x, const ScoredTerm& y) {
            return x.score > y.score || (x.score == y.score && x.term < y.term);
        });
        if (static_cast<int>(out.size()) > maxTerms) out.resize(maxTerms);
        return out;
    }
};

struct F1 {
    double precision = 0, recall = 0, f1 = 0;
};

F1 f1Of(int64_t tp, int64_t fp, int64_t fn) {
    F1 r;
    r.precision = tp + fp > 0 ? double(tp) / (tp + fp) : 0.0;
    r.recall = tp + fn > 0 ? double(tp) / (tp + fn) : 0.0;
    r.f1 = r.precision + r.recall > 0 ? 2 * r.precision * r.recall / (r.precision + r.recall) : 0.0;
    return r;
}

}  // namespace

double deadFraction(const LatentCodes& codes) {
    if (codes.latents == 0) return 0.0;
    std::vector<char> alive(codes.latents, 0);
    for (size_t i = 0; i < codes.indices.size(); ++i)
        if (codes.values[i] > 0) alive[codes.indices[i]] = 1;
    return 1.0 - double(std::count(alive.begin(), alive.end(), 1)) / codes.latents;
}

std::vector<LatentConcept> buildConceptDictionary(const LatentCodes& codes,
                                                  const std::vector<std::vector<int64_t>>& recentItems,
                                                  const data::ItemAttributes& attributes,
                                                  const DictionaryOptions& options) {
    const int64_t N = codes.rows, K = codes.k, M = codes.latents;
    // Rows where each latent is active, with the activation.
    std::vector<std::vector<std::pair<int64_t, float>>> active(M);
    for (int64_t r = 0; r < N; ++r)
        for (int64_t j = 0; j < K; ++j) {
            const float v = codes.values[r * K + j];
            if (v > 0) active[codes.indices[r * K + j]].push_back({r, v});
        }

    // Term tables: tags, and title words when the metadata has titles.
    const size_t numItems = attributes.itemTags.size();
    TermLists tagTerms = attributes.itemTags;
    std::vector<std::string> wordNames;
    TermLists wordTerms(numItems);
    {
        std::map<std::string, int> wordIndex;
        for (size_t i = 0; i < attributes.titles.size(); ++i)
            for (const auto& w : titleWords(attributes.titles[i])) {
                auto [it, inserted] = wordIndex.try_emplace(w, static_cast<int>(wordNames.size()));
                if (inserted) wordNames.push_back(w);
                wordTerms[i].push_back(it->second);
            }
    }
    auto safeRecent = recentItems;  // items beyond the metadata's range carry no terms
    for (auto& items : safeRecent)
        items.erase(std::remove_if(items.begin(), items.end(),
                                   [&](int64_t item) { return item <= 0 || static_cast<size_t>(item) >= numItems; }),
                    items.end());
    TermCounter tags(tagTerms, safeRecent, attributes.tagNames.size());
    TermCounter words(wordTerms, safeRecent, wordNames.size());

    std::mt19937_64 rng(options.seed);
    std::vector<LatentConcept> out(M);
    for (int64_t j = 0; j < M; ++j) {
        auto& c = out[j];
        c.index = j;
        auto& rows = active[j];
        c.activations = static_cast<int64_t>(rows.size());
        c.frequency = N > 0 ? double(rows.size()) / N : 0.0;
        if (rows.empty()) continue;
        std::vector<int64_t> rowIds;
        std::vector<double> weights;
        double sum = 0;
        for (const auto& [r, v] : rows) sum += v;
        c.mass = sum;
        const double mean = sum / rows.size();
        for (const auto& [r, v] : rows) {
            rowIds.push_back(r);
            weights.push_back(v / mean);  // activation-weighted, total weight = count
        }
        auto order = rows;
        std::partial_sort(order.begin(), order.begin() + std::min<size_t>(options.topSequences, order.size()),
                          order.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
        for (size_t i = 0; i < std::min<size_t>(options.topSequences, order.size()); ++i) {
            c.topSequences.push_back(order[i].first);
            c.topActivations.push_back(order[i].second);
        }
        if (!attributes.tagNames.empty())
            c.tags = tags.score(rowIds, weights, attributes.tagNames, options.maxTags, options.minLogOdds);
        if (!wordNames.empty())
            c.titleWords = words.score(rowIds, weights, wordNames, options.maxTags, options.minLogOdds);

        // Confidence: describe the latent from half of its activating sequences, then predict
        // "active" on the other half plus as many inactive sequences (a balanced held-out set).
        if (static_cast<int>(rows.size()) < options.minActivations || N - c.activations < c.activations) continue;
        const bool useTags = !attributes.tagNames.empty();
        const auto& counter = useTags ? tags : words;
        const auto& names = useTags ? attributes.tagNames : wordNames;
        const auto& terms = useTags ? tagTerms : wordTerms;
        std::vector<int64_t> shuffled = rowIds;
        std::shuffle(shuffled.begin(), shuffled.end(), rng);
        const size_t half = shuffled.size() / 2;
        std::vector<int64_t> buildPos(shuffled.begin(), shuffled.begin() + half);
        std::vector<int64_t> heldPos(shuffled.begin() + half, shuffled.end());
        std::vector<int64_t> sortedActive = rowIds;  // already ascending
        auto isActive = [&](int64_t r) { return std::binary_search(sortedActive.begin(), sortedActive.end(), r); };
        auto sampleInactive = [&](size_t count) {
            std::vector<int64_t> picked;
            std::uniform_int_distribution<int64_t> pick(0, N - 1);
            for (size_t tries = 0; picked.size() < count && tries < count * 50; ++tries) {
                const int64_t r = pick(rng);
                if (!isActive(r)) picked.push_back(r);
            }
            return picked;
        };
        auto buildNeg = sampleInactive(buildPos.size());
        auto heldNeg = sampleInactive(heldPos.size());
        auto description = counter.score(buildPos, {}, names, 2, options.minLogOdds);
        if (description.empty()) continue;
        // Keep the second term only when it is nearly as strong as the first.
        if (description.size() > 1 && description[1].score < 0.5 * description[0].score) description.resize(1);
        std::vector<char> inDescription(names.size(), 0);
        for (const auto& t : description)
            inDescription[std::find(names.begin(), names.end(), t.term) - names.begin()] = 1;
        auto presence = [&](int64_t r) {
            const auto& items = safeRecent[r];
            if (items.empty()) return 0.0;
            int hits = 0;
            for (int64_t item : items)
                for (int t : terms[item])
                    if (inDescription[t]) {
                        ++hits;
                        break;
                    }
            return double(hits) / items.size();
        };
        auto evaluate = [&](const std::vector<int64_t>& pos, const std::vector<int64_t>& neg, double threshold) {
            int64_t tp = 0, fp = 0, fn = 0;
            for (int64_t r : pos) (presence(r) >= threshold ? tp : fn) += 1;
            for (int64_t r : neg)
                if (presence(r) >= threshold) ++fp;
            return f1Of(tp, fp, fn);
        };
        // The presence threshold is chosen on the build half only.
        double bestThreshold = 1.0, bestF1 = -1.0;
        for (int step = 1; step <= 10; ++step) {
            const double threshold = step / 10.0;
            const double f = evaluate(buildPos, buildNeg, threshold).f1;
            if (f > bestF1) {
                bestF1 = f;
                bestThreshold = threshold;
            }
        }
        const F1 held = evaluate(heldPos, heldNeg, bestThreshold);
        c.precision = held.precision;
        c.recall = held.recall;
        c.confidence = held.f1;
    }
    return out;
}

std::string latentHierarchyJson(const LatentCodes& codes, const std::vector<LatentConcept>& concepts,
                                int maxLeaves) {
    using nlohmann::json;
    std::vector<int64_t> chosen;
    for (const auto& c : concepts)
        if (c.mass > 0) chosen.push_back(c.index);
    std::sort(chosen.begin(), chosen.end(),
              [&](int64_t a, int64_t b) { return concepts[a].mass > concepts[b].mass; });
    if (static_cast<int>(chosen.size()) > maxLeaves) chosen.resize(maxLeaves);
    const size_t n = chosen.size();
    json root = {{"name", "latents"}, {"children", json::array()}};
    if (n == 0) return root.dump();
    std::vector<int> slot(codes.latents, -1);
    for (size_t i = 0; i < n; ++i) slot[chosen[i]] = static_cast<int>(i);
    // Co-activation counts among the chosen latents.
    std::vector<double> co(n * n, 0.0);
    std::vector<int> rowSlots;
    for (int64_t r = 0; r < codes.rows; ++r) {
        rowSlots.clear();
        for (int64_t j = 0; j < codes.k; ++j)
            if (codes.values[r * codes.k + j] > 0) {
                const int s = slot[codes.indices[r * codes.k + j]];
                if (s >= 0) rowSlots.push_back(s);
            }
        for (int a : rowSlots)
            for (int b : rowSlots) co[a * n + b] += 1;
    }
    std::vector<double> sim(n * n, 0.0);
    for (size_t a = 0; a < n; ++a)
        for (size_t b = 0; b < n; ++b)
            sim[a * n + b] = co[a * n + b] / std::sqrt(std::max(1.0, co[a * n + a]) * std::max(1.0, co[b * n + b]));

    // Average-linkage agglomeration (Lance–Williams update), O(n³) for n ≤ maxLeaves.
    struct Node {
        int left = -1, right = -1;
        int leaf = -1;  // slot for leaves
        double similarity = 1.0;
        int size = 1;
    };
    std::vector<Node> nodes(n);
    for (size_t i = 0; i < n; ++i) nodes[i].leaf = static_cast<int>(i);
    std::vector<int> clusterNode(n);
    std::iota(clusterNode.begin(), clusterNode.end(), 0);
    std::vector<char> alive(n, 1);
    for (size_t merges = 0; merges + 1 < n; ++merges) {
        double best = -1;
        size_t ba = 0, bb = 0;
        for (size_t a = 0; a < n; ++a) {
            if (!alive[a]) continue;
            for (size_t b = a + 1; b < n; ++b)
                if (alive[b] && sim[a * n + b] > best) {
                    best = sim[a * n + b];
                    ba = a;
                    bb = b;
                }
        }
        Node merged;
        merged.left = clusterNode[ba];
        merged.right = clusterNode[bb];
        merged.similarity = best;
        const int na = nodes[merged.left].size, nb = nodes[merged.right].size;
        merged.size = na + nb;
        for (size_t k = 0; k < n; ++k) {
            if (!alive[k] || k == ba || k == bb) continue;
            const double s = (na * sim[ba * n + k] + nb * sim[bb * n + k]) / (na + nb);
            sim[ba * n + k] = sim[k * n + ba] = s;
        }
        alive[bb] = 0;
        nodes.push_back(merged);
        clusterNode[ba] = static_cast<int>(nodes.size() - 1);
    }
    const int top = clusterNode[std::find(alive.begin(), alive.end(), 1) - alive.begin()];

    // A binary dendrogram is too deep for a partition view; cut it at a few similarity levels
    // so each level groups the clusters tighter than its threshold.
    const std::vector<double> levels = {0.02, 0.1, 0.3};
    int groupCounter = 0;
    auto leafJson = [&](int s) {
        const auto& c = concepts[chosen[s]];
        std::string name = "latent " + std::to_string(c.index);
        if (!c.tags.empty()) name += ": " + c.tags[0].term;
        else if (!c.titleWords.empty()) name += ": " + c.titleWords[0].term;
        return json{{"name", name}, {"weight", c.mass}, {"latent", c.index}};
    };
    std::function<void(int, double, std::vector<int>&)> collect = [&](int node, double threshold,
                                                                      std::vector<int>& out) {
        if (nodes[node].leaf >= 0 || nodes[node].similarity >= threshold) out.push_back(node);
        else {
            collect(nodes[node].left, threshold, out);
            collect(nodes[node].right, threshold, out);
        }
    };
    std::function<void(int, std::vector<int>&)> leaves = [&](int node, std::vector<int>& out) {
        if (nodes[node].leaf >= 0) out.push_back(nodes[node].leaf);
        else {
            leaves(nodes[node].left, out);
            leaves(nodes[node].right, out);
        }
    };
    std::function<json(int, size_t)> build = [&](int node, size_t level) -> json {
        if (nodes[node].leaf >= 0) return leafJson(nodes[node].leaf);
        std::vector<int> parts;
        if (level < levels.size()) {
            collect(nodes[node].left, levels[level], parts);
            collect(nodes[node].right, levels[level], parts);
        } else {
            std::vector<int> slots;
            leaves(node, slots);
            json children = json::array();
            for (int s : slots) children.push_back(leafJson(s));
            return json{{"name", "group " + std::to_string(++groupCounter)}, {"children", children}};
        }
        json children = json::array();
        for (int p : parts) {
            json child = build(p, level + 1);
            // A group holding one group adds depth without information.
            if (child.contains("children") && child["children"].size() == 1) child = child["children"][0];
            children.push_back(child);
        }
        return json{{"name", "group " + std::to_string(++groupCounter)}, {"children", children}};
    };
    json tree = build(top, 0);
    tree["name"] = "latents";
    if (!tree.contains("children")) tree = json{{"name", "latents"}, {"children", json::array({tree})}};
    return tree.dump();
}

}  // namespace cs::sae
