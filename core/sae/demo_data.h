#pragma once
// Demo data with planted concepts for RecSAE (no download): a synthetic catalogue whose items
// carry 1–2 genre-like tags, and an interaction log whose users follow a current tag that
// drifts among their favourite tags. A recommender trained on it must track "which tag is
// the user into right now", so a good SAE has latents whose top tag is a planted tag — the
// property the concept-recovery test checks. See docs/recsae.md.
#include <cstdint>
#include <string>
#include <vector>

namespace cs::sae {

// The defaults are the validated size: the one `concept-studio-cli demo` uses and
// tests/core/sae/recsae_pipeline_test.cpp holds to the quality bar (docs/recsae.md, "Measured
// figures"). large() is the earlier, bigger default, kept for users who want a bigger catalogue:
// about 3× the data, measured once end to end through the CLI (docs/recsae.md) but not tested.
struct DemoDataOptions {
    int numItems = 500;
    int numTags = 16;          // at most 20
    int numUsers = 1000;
    int minLength = 20, maxLength = 30;
    double followTag = 0.9;     // probability an interaction is an item of the current tag
    double switchTag = 0.08;   // per-step probability of moving to another favourite tag
    double wanderTag = 0.03;   // per-step probability of moving to any tag (the drift)

    // 1500 items, 16 tags, 3000 users with 20–50 interactions (measured once, not tested).
    static DemoDataOptions large() {
        DemoDataOptions o;
        o.numItems = 1500;
        o.numUsers = 3000;
        o.minLength = 20;
        o.maxLength = 50;
        return o;
    }
};

struct DemoDataFiles {
    std::string sasrec;        // "user item" per line, time order
    std::string rechorus;      // user_id<TAB>item_id<TAB>time with header
    std::string movielens;     // ratings.dat, user::item::rating::timestamp
    std::string itemMeta;      // item_id<TAB>title<TAB>genres
    std::vector<std::string> tagNames;  // the planted tags
    int numItems = 0, numUsers = 0;
    int64_t numInteractions = 0;
};

// Writes the four files into outDir (created if needed). Deterministic in (options, seed).
DemoDataFiles generateDemoData(const std::string& outDir, uint64_t seed, const DemoDataOptions& options = {});

}  // namespace cs::sae
