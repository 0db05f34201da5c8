#include "sae/concept_dictionary.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>
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

// Rows where each latent is active, with the activation, in row order.
using ActiveRows = std::vector<std::vector<std::pair<int64_t, float>>>;

ActiveRows activeRowsPerLatent(const LatentCodes& codes) {
    const int64_t K = codes.k;
    ActiveRows active(codes.latents);
    for (int64_t r = 0; r < codes.rows; ++r)
        for (int64_t j = 0; j < K; ++j) {
            const float v = codes.values[r * K + j];
            if (v > 0) active[codes.indices[r * K + j]].push_back({r, v});
        }
    return active;
}

// Title words as terms: their names and, per item, the words of its title.
struct TitleWordTable {
    std::vector<std::string> names;
    TermLists itemTerms;
};

TitleWordTable titleWordTable(const data::ItemAttributes& attributes) {
    TitleWordTable table;
    table.itemTerms.resize(attributes.itemTags.size());
    std::map<std::string, int> wordIndex;
    for (size_t i = 0; i < attributes.titles.size(); ++i)
        for (const auto& w : titleWords(attributes.titles[i])) {
            auto [it, inserted] = wordIndex.try_emplace(w, static_cast<int>(table.names.size()));
            if (inserted) table.names.push_back(w);
            table.itemTerms[i].push_back(it->second);
        }
    return table;
}

// Items beyond the metadata's range (or the padding id) carry no terms: leave them out.
std::vector<std::vector<int64_t>> itemsWithTerms(std::vector<std::vector<int64_t>> recentItems, size_t numItems) {
    for (auto& items : recentItems)
        items.erase(std::remove_if(items.begin(), items.end(),
                                   [&](int64_t item) { return item <= 0 || static_cast<size_t>(item) >= numItems; }),
                    items.end());
    return recentItems;
}

// What the confidence of a latent's description is measured with: one term vocabulary
// (tags when the items have tags, else title words).
struct DescriptionTerms {
    const TermCounter& counter;
    const std::vector<std::string>& names;
    const TermLists& itemTerms;
    const std::vector<std::vector<int64_t>>& recent;
};

// Fraction of a sequence's recent items that carry one of the described terms.
double presenceOf(const DescriptionTerms& terms, const std::vector<char>& inDescription, int64_t row) {
    const auto& items = terms.recent[row];
    if (items.empty()) return 0.0;
    int hits = 0;
    for (int64_t item : items)
        for (int t : terms.itemTerms[item])
            if (inDescription[t]) {
                ++hits;
                break;
            }
    return double(hits) / items.size();
}

// Up to `count` random rows where the latent is not active (rowIds ascending).
std::vector<int64_t> sampleInactive(const std::vector<int64_t>& rowIds, int64_t rows, size_t count,
                                    std::mt19937_64& rng) {
    std::vector<int64_t> picked;
    std::uniform_int_distribution<int64_t> pick(0, rows - 1);
    for (size_t tries = 0; picked.size() < count && tries < count * 50; ++tries) {
        const int64_t r = pick(rng);
        if (!std::binary_search(rowIds.begin(), rowIds.end(), r)) picked.push_back(r);
    }
    return picked;
}

// The build and held-out halves of a latent's balanced rows: active (pos) and inactive (neg).
struct BalancedHalves {
    std::vector<int64_t> buildPos, buildNeg, heldPos, heldNeg;
};

// Predicts "active" from the presence of the described terms in the recent items, with the
// presence threshold (0.1 .. 1) chosen on the build half; the F1 on the held-out half.
F1 thresholdedConfidence(const BalancedHalves& halves, const DescriptionTerms& terms, const std::vector<char>& inDescription) {
    auto evaluate = [&](const std::vector<int64_t>& pos, const std::vector<int64_t>& neg, double threshold) {
        int64_t tp = 0, fp = 0, fn = 0;
        for (int64_t r : pos) (presenceOf(terms, inDescription, r) >= threshold ? tp : fn) += 1;
        for (int64_t r : neg)
            if (presenceOf(terms, inDescription, r) >= threshold) ++fp;
        return f1Of(tp, fp, fn);
    };
    double bestThreshold = 1.0, bestF1 = -1.0;
    for (int step = 1; step <= 10; ++step) {
        const double threshold = step / 10.0;
        const double f = evaluate(halves.buildPos, halves.buildNeg, threshold).f1;
        if (f > bestF1) {
            bestF1 = f;
            bestThreshold = threshold;
        }
    }
    return evaluate(halves.heldPos, halves.heldNeg, bestThreshold);
}

// Confidence (docs/recsae.md): describe the latent from half of its activating sequences, then
// predict "active" on the other half plus as many inactive sequences (a balanced held-out set)
// from the presence of the described terms, with the presence threshold chosen on the build
// half only. Nothing when the build half yields no description.
std::optional<F1> heldOutConfidence(const std::vector<int64_t>& rowIds, int64_t rows, const DescriptionTerms& terms,
                                    const DictionaryOptions& options, std::mt19937_64& rng) {
    std::vector<int64_t> shuffled = rowIds;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    const size_t half = shuffled.size() / 2;
    std::vector<int64_t> buildPos(shuffled.begin(), shuffled.begin() + half);
    std::vector<int64_t> heldPos(shuffled.begin() + half, shuffled.end());
    auto buildNeg = sampleInactive(rowIds, rows, buildPos.size(), rng);
    auto heldNeg = sampleInactive(rowIds, rows, heldPos.size(), rng);
    auto description = terms.counter.score(buildPos, {}, terms.names, 2, options.minLogOdds);
    if (description.empty()) return std::nullopt;
    // Keep the second term only when it is nearly as strong as the first.
    if (description.size() > 1 && description[1].score < 0.5 * description[0].score) description.resize(1);
    std::vector<char> inDescription(terms.names.size(), 0);
    for (const auto& t : description)
        inDescription[std::find(terms.names.begin(), terms.names.end(), t.term) - terms.names.begin()] = 1;
    return thresholdedConfidence({buildPos, buildNeg, heldPos, heldNeg}, terms, inDescription);
}

// Frequency, mass and the strongest sequences of one latent from its active rows.
void describeActivity(LatentConcept& c, const std::vector<std::pair<int64_t, float>>& rows, int64_t totalRows,
                      int topSequences) {
    c.activations = static_cast<int64_t>(rows.size());
    c.frequency = totalRows > 0 ? double(rows.size()) / totalRows : 0.0;
    if (rows.empty()) return;
    double sum = 0;
    for (const auto& [r, v] : rows) sum += v;
    c.mass = sum;
    auto order = rows;
    const size_t shown = std::min<size_t>(topSequences, order.size());
    std::partial_sort(order.begin(), order.begin() + shown, order.end(),
                      [](const auto& a, const auto& b) { return a.second > b.second; });
    for (size_t i = 0; i < shown; ++i) {
        c.topSequences.push_back(order[i].first);
        c.topActivations.push_back(order[i].second);
    }
}

// Similarity-ordered binary tree of the chosen latents (average linkage).
struct DendrogramNode {
    int left = -1, right = -1;
    int leaf = -1;  // slot for leaves
    double similarity = 1.0;
    int size = 1;
};

struct Dendrogram {
    std::vector<DendrogramNode> nodes;
    int top = 0;
};

// The `maxLeaves` latents with the largest activation mass.
std::vector<int64_t> heaviestLatents(const std::vector<LatentConcept>& concepts, int maxLeaves) {
    std::vector<int64_t> chosen;
    for (const auto& c : concepts)
        if (c.mass > 0) chosen.push_back(c.index);
    std::sort(chosen.begin(), chosen.end(),
              [&](int64_t a, int64_t b) { return concepts[a].mass > concepts[b].mass; });
    if (static_cast<int>(chosen.size()) > maxLeaves) chosen.resize(maxLeaves);
    return chosen;
}

// Cosine of co-activation counts among the chosen latents (n×n, row-major).
std::vector<double> coActivationSimilarity(const LatentCodes& codes, const std::vector<int64_t>& chosen) {
    const size_t n = chosen.size();
    std::vector<int> slot(codes.latents, -1);
    for (size_t i = 0; i < n; ++i) slot[chosen[i]] = static_cast<int>(i);
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
    return sim;
}

// Average-linkage agglomeration (Lance–Williams update), O(n³) for n ≤ maxLeaves.
Dendrogram averageLinkage(std::vector<double> sim, size_t n) {
    Dendrogram tree;
    auto& nodes = tree.nodes;
    nodes.resize(n);
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
        DendrogramNode merged;
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
    tree.top = clusterNode[std::find(alive.begin(), alive.end(), 1) - alive.begin()];
    return tree;
}

// A binary dendrogram is too deep for a partition view; it is cut at a few similarity levels
// so each level groups the clusters tighter than its threshold.
class DendrogramCut {
public:
    DendrogramCut(const Dendrogram& tree, const std::vector<int64_t>& chosen, const std::vector<LatentConcept>& concepts)
        : nodes_(tree.nodes), chosen_(chosen), concepts_(concepts) {}

    nlohmann::json build(int node, size_t level) {
        using nlohmann::json;
        if (nodes_[node].leaf >= 0) return leafJson(nodes_[node].leaf);
        json children = json::array();
        if (level >= kLevels.size()) {
            std::vector<int> slots;
            leaves(node, slots);
            for (int s : slots) children.push_back(leafJson(s));
            return json{{"name", "group " + std::to_string(++groupCounter_)}, {"children", children}};
        }
        std::vector<int> parts;
        collect(nodes_[node].left, kLevels[level], parts);
        collect(nodes_[node].right, kLevels[level], parts);
        for (int p : parts) {
            json child = build(p, level + 1);
            // A group holding one group adds depth without information.
            if (child.contains("children") && child["children"].size() == 1) child = child["children"][0];
            children.push_back(child);
        }
        return json{{"name", "group " + std::to_string(++groupCounter_)}, {"children", children}};
    }

private:
    inline static const std::vector<double> kLevels = {0.02, 0.1, 0.3};

    nlohmann::json leafJson(int s) const {
        const auto& c = concepts_[chosen_[s]];
        std::string name = "latent " + std::to_string(c.index);
        if (!c.tags.empty()) name += ": " + c.tags[0].term;
        else if (!c.titleWords.empty()) name += ": " + c.titleWords[0].term;
        return nlohmann::json{{"name", name}, {"weight", c.mass}, {"latent", c.index}};
    }
    // The highest nodes under `node` whose clusters are tighter than threshold (or leaves).
    void collect(int node, double threshold, std::vector<int>& out) const {
        if (nodes_[node].leaf >= 0 || nodes_[node].similarity >= threshold) out.push_back(node);
        else {
            collect(nodes_[node].left, threshold, out);
            collect(nodes_[node].right, threshold, out);
        }
    }
    void leaves(int node, std::vector<int>& out) const {
        if (nodes_[node].leaf >= 0) out.push_back(nodes_[node].leaf);
        else {
            leaves(nodes_[node].left, out);
            leaves(nodes_[node].right, out);
        }
    }

    const std::vector<DendrogramNode>& nodes_;
    const std::vector<int64_t>& chosen_;
    const std::vector<LatentConcept>& concepts_;
    int groupCounter_ = 0;
};

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
    const int64_t N = codes.rows, M = codes.latents;
    const ActiveRows active = activeRowsPerLatent(codes);
    // Term tables: tags, and title words when the metadata has titles.
    const TitleWordTable words = titleWordTable(attributes);
    const auto recent = itemsWithTerms(recentItems, attributes.itemTags.size());
    const TermCounter tagCounter(attributes.itemTags, recent, attributes.tagNames.size());
    const TermCounter wordCounter(words.itemTerms, recent, words.names.size());
    const bool useTags = !attributes.tagNames.empty();
    const DescriptionTerms descriptionTerms = useTags
        ? DescriptionTerms{tagCounter, attributes.tagNames, attributes.itemTags, recent}
        : DescriptionTerms{wordCounter, words.names, words.itemTerms, recent};

    std::mt19937_64 rng(options.seed);  // one stream over the latents in order: reproducible
    std::vector<LatentConcept> out(M);
    for (int64_t j = 0; j < M; ++j) {
        auto& c = out[j];
        c.index = j;
        const auto& rows = active[j];
        describeActivity(c, rows, N, options.topSequences);
        if (rows.empty()) continue;
        // Over-represented terms, each row weighted by its activation (total weight = count).
        const double mean = c.mass / rows.size();
        std::vector<int64_t> rowIds;
        std::vector<double> weights;
        for (const auto& [r, v] : rows) {
            rowIds.push_back(r);
            weights.push_back(v / mean);
        }
        if (useTags) c.tags = tagCounter.score(rowIds, weights, attributes.tagNames, options.maxTags, options.minLogOdds);
        if (!words.names.empty())
            c.titleWords = wordCounter.score(rowIds, weights, words.names, options.maxTags, options.minLogOdds);
        if (static_cast<int>(rows.size()) < options.minActivations || N - c.activations < c.activations) continue;
        if (const auto held = heldOutConfidence(rowIds, N, descriptionTerms, options, rng)) {
            c.precision = held->precision;
            c.recall = held->recall;
            c.confidence = held->f1;
        }
    }
    return out;
}

std::vector<ItemSetLatent> latentsForItemSet(const LatentCodes& codes, const std::vector<std::vector<int64_t>>& recentItems,
                                             const std::vector<char>& itemInSet, const DictionaryOptions& options) {
    // The item set is a one-term vocabulary: an item carries the term when it is in the set.
    TermLists itemTerms(itemInSet.size());
    for (size_t i = 0; i < itemInSet.size(); ++i)
        if (itemInSet[i]) itemTerms[i].push_back(0);
    const std::vector<std::string> names{"item set"};
    const auto recent = itemsWithTerms(recentItems, itemInSet.size());
    const TermCounter counter(itemTerms, recent, names.size());
    const DescriptionTerms terms{counter, names, itemTerms, recent};
    const std::vector<char> inDescription{1};
    const ActiveRows active = activeRowsPerLatent(codes);
    std::mt19937_64 rng(options.seed);
    std::vector<ItemSetLatent> out;
    for (int64_t j = 0; j < codes.latents; ++j) {
        const auto& rows = active[j];
        const int64_t activations = static_cast<int64_t>(rows.size());
        // As for the dictionary's confidence: enough activations, and as many inactive rows to balance them.
        if (activations < options.minActivations || codes.rows - activations < activations) continue;
        std::vector<int64_t> rowIds;
        for (const auto& [r, v] : rows) rowIds.push_back(r);
        std::vector<int64_t> shuffled = rowIds;
        std::shuffle(shuffled.begin(), shuffled.end(), rng);
        const size_t half = shuffled.size() / 2;
        BalancedHalves halves;
        halves.buildPos.assign(shuffled.begin(), shuffled.begin() + half);
        halves.heldPos.assign(shuffled.begin() + half, shuffled.end());
        halves.buildNeg = sampleInactive(rowIds, codes.rows, halves.buildPos.size(), rng);
        halves.heldNeg = sampleInactive(rowIds, codes.rows, halves.heldPos.size(), rng);
        const F1 f = thresholdedConfidence(halves, terms, inDescription);
        out.push_back({j, activations, f.precision, f.recall, f.f1});
    }
    std::stable_sort(out.begin(), out.end(), [](const ItemSetLatent& a, const ItemSetLatent& b) { return a.f1 > b.f1; });
    return out;
}

std::string latentHierarchyJson(const LatentCodes& codes, const std::vector<LatentConcept>& concepts,
                                int maxLeaves) {
    using nlohmann::json;
    const std::vector<int64_t> chosen = heaviestLatents(concepts, maxLeaves);
    if (chosen.empty()) return json{{"name", "latents"}, {"children", json::array()}}.dump();
    const Dendrogram tree = averageLinkage(coActivationSimilarity(codes, chosen), chosen.size());
    json root = DendrogramCut(tree, chosen, concepts).build(tree.top, 0);
    // A single latent is a leaf: wrap it rather than rename it (its name links it to its row).
    if (!root.contains("children")) root = json{{"name", "latents"}, {"children", json::array({root})}};
    root["name"] = "latents";
    return root.dump();
}

}  // namespace cs::sae
