#include "results/project_search.h"

#include "results/run_data.h"

#include <algorithm>
#include <cctype>

namespace cs::results {
namespace {

// ASCII case folding: labels and tags are mostly ASCII; other UTF-8 bytes match exactly.
std::string folded(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// The item-title words the latent dictionary stored (metadata "title_words": [{"word"}, ...]).
std::vector<std::string> titleWords(const store::LatentRecord& latent) {
    std::vector<std::string> words;
    const nlohmann::json meta = parseStoredJson(latent.metadataJson);
    if (!meta.is_object() || !meta.contains("title_words") || !meta["title_words"].is_array()) return words;
    for (const auto& w : meta["title_words"]) {
        if (w.is_string()) words.push_back(w.get<std::string>());
        else if (w.is_object() && w.contains("word") && w["word"].is_string()) words.push_back(w["word"].get<std::string>());
    }
    return words;
}

class RunSearch {
public:
    RunSearch(const std::string& needle, RunSearchHits& out) : needle_(needle), out_(out) {}

    // Adds one hit per item, for the first of its fields that matches.
    bool tryField(SearchHit hit, const char* field, const std::string& text) {
        if (text.empty() || folded(text).find(needle_) == std::string::npos) return false;
        hit.field = field;
        hit.matched = text;
        out_.hits.push_back(std::move(hit));
        return true;
    }

private:
    const std::string& needle_;
    RunSearchHits& out_;
};

}  // namespace

std::string runDisplayName(const store::RunRecord& run) {
    std::string name = "Run " + std::to_string(run.id) + ": " + run.kind;
    RunData data;
    data.run = run;
    data.parameters = parseStoredJson(run.parametersJson);
    data.summary = parseStoredJson(run.summaryJson);
    const std::string cls = data.className();
    if (!cls.empty()) name += ", class " + cls;
    const std::string layer = data.probePoint();
    if (!layer.empty()) name += ", " + layer;
    return name;
}

std::vector<RunSearchHits> searchProject(const store::ProjectStore& store, const std::string& query) {
    std::vector<RunSearchHits> found;
    const std::string needle = folded(trimmed(query));
    if (needle.empty()) return found;
    for (const auto& run : store.runs()) {
        RunSearchHits group;
        group.runId = run.id;
        group.runTitle = runDisplayName(run);
        RunSearch search(needle, group);
        SearchHit runHit;
        runHit.runId = run.id;
        search.tryField(runHit, "run", group.runTitle);

        RunData data;
        data.run = run;
        data.concepts = store.concepts(run.id);
        data.latents = store.latents(run.id);
        data.labels = store.labels(run.id);
        for (const auto& c : data.concepts) {
            SearchHit hit{run.id, SearchHitKind::Concept, c.id, c.index, {}, {}, {}};
            const auto* user = data.userLabel(store::LabelTarget::Concept, c.id);
            hit.title = "Concept " + std::to_string(c.index) + (c.parentId ? " @" + c.layer : "") +
                        (user && !user->text.empty() ? ": " + user->text : "");
            if (user && (search.tryField(hit, "label", user->text) || search.tryField(hit, "note", user->note))) continue;
            search.tryField(hit, "name", c.label);
        }
        for (const auto& l : data.latents) {
            SearchHit hit{run.id, SearchHitKind::Latent, l.id, l.index, {}, {}, {}};
            const auto* user = data.userLabel(store::LabelTarget::Latent, l.id);
            hit.title = "Latent " + std::to_string(l.index) + (user && !user->text.empty() ? ": " + user->text : "");
            if (user && (search.tryField(hit, "label", user->text) || search.tryField(hit, "note", user->note))) continue;
            bool matched = false;
            for (const auto& tag : latentTags(l))
                if ((matched = search.tryField(hit, "tag", tag))) break;
            if (matched) continue;
            for (const auto& word : titleWords(l))
                if (search.tryField(hit, "title word", word)) break;
        }
        if (!group.hits.empty()) found.push_back(std::move(group));
    }
    return found;
}

}  // namespace cs::results
