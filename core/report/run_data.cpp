#include "report/run_data.h"

#include "common/error.h"

#include <algorithm>

namespace cs::report {
namespace {

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

std::string jsonString(const nlohmann::json& object, std::initializer_list<const char*> keys) {
    if (!object.is_object()) return {};
    for (const char* key : keys) {
        auto it = object.find(key);
        if (it == object.end() || it->is_null()) continue;
        if (it->is_string()) return it->get<std::string>();
        if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
        if (it->is_array() && !it->empty()) {
            std::string joined;
            for (const auto& v : *it) joined += (joined.empty() ? "" : ", ") + (v.is_string() ? v.get<std::string>() : v.dump());
            return joined;
        }
    }
    return {};
}

}  // namespace

const char* toString(ArtifactRole role) {
    switch (role) {
    case ArtifactRole::CropImage: return "crop";
    case ArtifactRole::AttributionMap: return "attribution map";
    case ArtifactRole::OtherImage: return "image";
    case ArtifactRole::Hierarchy: return "hierarchy";
    case ArtifactRole::Faithfulness: return "faithfulness";
    case ArtifactRole::Ablation: return "ablation";
    case ArtifactRole::Tensor: return "tensor";
    case ArtifactRole::OtherData: return "data";
    }
    return "data";
}

bool isImageMime(const std::string& mime) { return mime.rfind("image/", 0) == 0 && mime != "image/svg+xml"; }

ArtifactRole classifyArtifact(const store::ArtifactRecord& artifact) {
    const std::string kind = lower(artifact.kind);
    if (isImageMime(artifact.mime)) {
        if (contains(kind, "crop") || contains(kind, "thumb") || contains(kind, "patch")) return ArtifactRole::CropImage;
        if (contains(kind, "map") || contains(kind, "heat") || contains(kind, "overlay") || contains(kind, "cam") ||
            contains(kind, "attribution"))
            return ArtifactRole::AttributionMap;
        return ArtifactRole::OtherImage;
    }
    if (artifact.tensor || artifact.mime == "application/x-cs-tensor") return ArtifactRole::Tensor;
    if (contains(kind, "faithful") || contains(kind, "deletion") || contains(kind, "insertion") ||
        contains(kind, "curve"))
        return ArtifactRole::Faithfulness;
    if (contains(kind, "ablat") || contains(kind, "steer")) return ArtifactRole::Ablation;
    if (contains(kind, "tree") || contains(kind, "hierarch")) return ArtifactRole::Hierarchy;
    return ArtifactRole::OtherData;
}

bool RunData::isCraft() const { return lower(run.kind).find("craft") != std::string::npos || !concepts.empty(); }
bool RunData::isSae() const {
    const std::string kind = lower(run.kind);
    return contains(kind, "sae") || !latents.empty();
}

std::vector<const store::ArtifactRecord*> RunData::artifactsWithRole(ArtifactRole role) const {
    std::vector<const store::ArtifactRecord*> out;
    for (const auto& a : artifacts)
        if (classifyArtifact(a) == role) out.push_back(&a);
    return out;
}

std::vector<const store::ConceptRecord*> RunData::topConcepts() const {
    std::vector<const store::ConceptRecord*> out;
    for (const auto& c : concepts)
        if (!c.parentId) out.push_back(&c);
    std::stable_sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->importance > b->importance; });
    return out;
}

std::string RunData::conceptName(const store::ConceptRecord& concept) const {
    if (!concept.label.empty()) return concept.label;
    std::string name = "Concept " + std::to_string(concept.index);
    if (concept.parentId) name += " @" + concept.layer;
    return name;
}

std::string RunData::className() const {
    std::string name = jsonString(summary, {"class_name", "class"});
    if (name.empty()) name = jsonString(parameters, {"class_name", "class"});
    return name;
}

std::string RunData::probePoint() const {
    std::string layer = jsonString(summary, {"layer", "probe_point"});
    if (layer.empty()) layer = jsonString(parameters, {"layer", "probe_point"});
    if (layer.empty() && !concepts.empty()) layer = topConcepts().empty() ? "" : topConcepts().front()->layer;
    return layer;
}

nlohmann::json parseStoredJson(const std::string& text) {
    if (text.empty()) return nlohmann::json::object();
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
        return nlohmann::json{{"unparsed", text}};
    }
}

RunData loadRunData(const store::ProjectStore& store, int64_t runId) {
    auto run = store.run(runId);
    if (!run) throw Error(store.path(), "the project has no run " + std::to_string(runId));
    RunData data;
    data.run = *run;
    if (run->modelId) data.model = store.model(*run->modelId);
    if (run->datasetId)
        for (auto& d : store.datasets())
            if (d.id == *run->datasetId) data.dataset = d;
    data.parameters = parseStoredJson(run->parametersJson);
    data.summary = parseStoredJson(run->summaryJson);
    data.concepts = store.concepts(runId);
    data.crops = store.crops(runId);
    data.latents = store.latents(runId);
    data.artifacts = store.artifacts(runId);
    return data;
}

std::vector<int64_t> finishedRunIds(const store::ProjectStore& store) {
    std::vector<int64_t> ids;
    for (const auto& run : store.runs())
        if (run.status == store::RunStatus::Done) ids.push_back(run.id);
    std::sort(ids.begin(), ids.end());
    return ids;
}

std::vector<std::string> latentTags(const store::LatentRecord& latent) {
    std::vector<std::string> tags;
    const nlohmann::json parsed = parseStoredJson(latent.tagsJson);
    if (!parsed.is_array()) {
        if (parsed.is_object() && parsed.contains("unparsed")) tags.push_back(parsed["unparsed"].get<std::string>());
        return tags;
    }
    for (const auto& tag : parsed) {
        if (tag.is_string()) {
            tags.push_back(tag.get<std::string>());
        } else if (tag.is_object()) {
            std::string name = jsonString(tag, {"tag", "name", "label"});
            tags.push_back(name.empty() ? tag.dump() : name);
        } else {
            tags.push_back(tag.dump());
        }
    }
    return tags;
}

}  // namespace cs::report
