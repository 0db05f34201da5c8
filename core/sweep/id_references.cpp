#include "sweep/id_references.h"

#include <nlohmann/json.hpp>

#include <regex>

namespace cs::sweep {

using json = nlohmann::json;

namespace {

void remapInteger(json& object, const char* key, const std::unordered_map<int64_t, int64_t>& map) {
    if (!object.is_object()) return;
    auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer()) return;
    const auto found = map.find(it->get<int64_t>());
    if (found != map.end()) *it = found->second;
}

void remapIntegerList(json& object, const char* key, const std::unordered_map<int64_t, int64_t>& map) {
    if (!object.is_object()) return;
    auto it = object.find(key);
    if (it == object.end() || !it->is_array()) return;
    for (json& item : *it) {
        if (!item.is_number_integer()) continue;
        const auto found = map.find(item.get<int64_t>());
        if (found != map.end()) item = found->second;
    }
}

void setRunId(json& object, int64_t runId) {
    if (object.is_object() && object.contains("run_id") && object["run_id"].is_number_integer()) object["run_id"] = runId;
}

// Text that is not JSON (an older engine's, a plugin's) is kept as it is.
template <class Rewrite>
std::string rewriteJson(const std::string& text, Rewrite rewrite) {
    json value = json::parse(text, nullptr, false);
    if (value.is_discarded()) return text;
    rewrite(value);
    return value.dump();
}

}  // namespace

std::string remapConceptMetadata(const std::string& metadataJson, const IdRemap& remap) {
    return rewriteJson(metadataJson, [&](json& meta) {
        if (!meta.is_object() || !meta.contains("top_crops") || !meta["top_crops"].is_array()) return;
        for (json& crop : meta["top_crops"]) remapInteger(crop, "crop_id", remap.crops);
    });
}

std::string remapArtifactMetadata(const std::string& metadataJson, const IdRemap& remap) {
    return rewriteJson(metadataJson, [&](json& meta) {
        remapInteger(meta, "concept_id", remap.concepts);
        remapInteger(meta, "concept", remap.concepts);
        remapInteger(meta, "crop_id", remap.crops);
        remapIntegerList(meta, "concepts", remap.concepts);
        setRunId(meta, remap.runId);
    });
}

std::string remapArtifactName(const std::string& name, const IdRemap& remap) {
    // "concept<id>" as a whole '#'-separated part of the name.
    static const std::regex conceptPart("(^|#)concept([0-9]+)(?=#|$)");
    std::string out;
    auto begin = name.cbegin();
    for (std::sregex_iterator it(name.begin(), name.end(), conceptPart), end; it != end; ++it) {
        const std::smatch& m = *it;
        out.append(begin, m[0].first);
        const auto found = remap.concepts.find(std::stoll(m[2].str()));
        out += m[1].str() + "concept" + (found != remap.concepts.end() ? std::to_string(found->second) : m[2].str());
        begin = m[0].second;
    }
    out.append(begin, name.cend());
    return out;
}

std::string remapArtifactJson(const std::string& payload, const IdRemap& remap) {
    return rewriteJson(payload, [&](json& value) {
        setRunId(value, remap.runId);
        if (!value.is_object() || !value.contains("nodes") || !value["nodes"].is_array()) return;
        for (json& node : value["nodes"]) {
            remapInteger(node, "id", remap.concepts);
            remapInteger(node, "parent", remap.concepts);
        }
    });
}

std::string remapRunSummary(const std::string& summaryJson, const IdRemap& remap) {
    return rewriteJson(summaryJson, [&](json& summary) {
        setRunId(summary, remap.runId);
        if (!summary.is_object() || !summary.contains("concepts") || !summary["concepts"].is_array()) return;
        for (json& concept : summary["concepts"]) remapInteger(concept, "id", remap.concepts);
    });
}

}  // namespace cs::sweep
