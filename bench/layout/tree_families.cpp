#include "tree_families.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace cs::layout::families {

const char* weightsName(Weights weights) {
    switch (weights) {
        case Weights::Zipf: return "zipf";
        case Weights::Exponential: return "exponential";
        case Weights::LogUniform6: return "log-uniform-6";
    }
    return "?";
}

namespace {

struct Builder {
    std::mt19937_64 rng;
    Weights weights;
    std::vector<double> zipfRanks;  // shuffled 1..n for Zipf weights
    size_t nextLeaf = 0;
    size_t nextInner = 0;

    double leafWeight() {
        switch (weights) {
            case Weights::Zipf: return 1.0 / zipfRanks[nextLeaf];
            case Weights::Exponential: return std::exponential_distribution<double>(1.0)(rng) + 1e-300;
            case Weights::LogUniform6: return std::pow(10.0, std::uniform_real_distribution<double>(0, 6)(rng));
        }
        return 1;
    }

    LayoutNode build(size_t leaves) {
        if (leaves == 1) {
            LayoutNode leaf{"leaf" + std::to_string(nextLeaf), leafWeight(), {}};
            ++nextLeaf;
            return leaf;
        }
        LayoutNode node{"node" + std::to_string(nextInner++), 0, {}};
        // Small groups are often flat; otherwise split the leaves into 2..8 random parts.
        if (leaves <= 8 && std::bernoulli_distribution(0.5)(rng)) {
            for (size_t i = 0; i < leaves; ++i) node.children.push_back(build(1));
            return node;
        }
        const size_t parts = std::min<size_t>(leaves, std::uniform_int_distribution<size_t>(2, 8)(rng));
        // Random composition of `leaves` into `parts` positive sizes.
        std::vector<size_t> cuts;
        std::vector<size_t> pool(leaves - 1);
        for (size_t i = 0; i < pool.size(); ++i) pool[i] = i + 1;
        std::shuffle(pool.begin(), pool.end(), rng);
        cuts.assign(pool.begin(), pool.begin() + static_cast<long>(parts - 1));
        std::sort(cuts.begin(), cuts.end());
        size_t previous = 0;
        cuts.push_back(leaves);
        for (size_t cut : cuts) {
            node.children.push_back(build(cut - previous));
            previous = cut;
        }
        return node;
    }
};

}  // namespace

LayoutNode randomTree(size_t leaves, Weights weights, std::uint64_t seed) {
    Builder builder{std::mt19937_64(seed), weights, {}, 0, 0};
    builder.zipfRanks.resize(leaves);
    for (size_t i = 0; i < leaves; ++i) builder.zipfRanks[i] = static_cast<double>(i + 1);
    std::shuffle(builder.zipfRanks.begin(), builder.zipfRanks.end(), builder.rng);
    LayoutNode root = builder.build(leaves);
    root.name = "root";
    return root;
}

LayoutNode twoSiblings(double epsilon) {
    return LayoutNode{"root", 0, {LayoutNode{"big", 1 - epsilon, {}}, LayoutNode{"small", epsilon, {}}}};
}

LayoutNode unitsPlusTiny(int units, double tiny) {
    LayoutNode root{"root", 0, {}};
    for (int i = 0; i < units; ++i) root.children.push_back(LayoutNode{"unit" + std::to_string(i), 1, {}});
    root.children.push_back(LayoutNode{"tiny", tiny, {}});
    return root;
}

LayoutNode tinyChain(int depth, double ratio) {
    // Built from the bottom up: level k's leaf weighs ratio^k.
    LayoutNode chain{"chain" + std::to_string(depth), 0, {LayoutNode{"leaf" + std::to_string(depth), std::pow(ratio, depth), {}}}};
    for (int level = depth - 1; level >= 0; --level) {
        LayoutNode parent{level == 0 ? "root" : "chain" + std::to_string(level), 0, {}};
        parent.children.push_back(LayoutNode{"leaf" + std::to_string(level), std::pow(ratio, level), {}});
        parent.children.push_back(std::move(chain));
        chain = std::move(parent);
    }
    return chain;
}

}  // namespace cs::layout::families
