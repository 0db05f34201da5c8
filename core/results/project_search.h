#pragma once
// Search over what a project says about its runs in words: run names (kind, class, layer),
// concept labels and notes (the users' and the engine's), SAE latents' labels, notes, dictionary
// tags and the item-title words the dictionary found. Case-insensitive substring match; hits
// grouped by run, newest run first, so the studio's Find (Ctrl+F) can list them and jump to each.
#include "store/project_store.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cs::results {

enum class SearchHitKind { Run, Concept, Latent };

struct SearchHit {
    int64_t runId = 0;
    SearchHitKind kind = SearchHitKind::Run;
    int64_t rowId = 0;     // the concept's or latent's row id; 0 for a run
    int64_t index = 0;     // the concept's or latent's index within its run
    std::string title;     // "Concept 3: striped fur", "Latent 17"
    std::string field;     // what matched: run, label, note, name, tag, title word
    std::string matched;   // the matching text
};

struct RunSearchHits {
    int64_t runId = 0;
    std::string runTitle;  // "Run 3: craft, class zebra"
    std::vector<SearchHit> hits;
};

// A run's name as the search and the studio's dashboard show it: "Run <id>: <kind>[, class C][, layer]".
std::string runDisplayName(const store::RunRecord& run);

// Every run with at least one hit; an empty (or blank) query finds nothing.
std::vector<RunSearchHits> searchProject(const store::ProjectStore& store, const std::string& query);

}  // namespace cs::results
