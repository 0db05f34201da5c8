#include "results/run_data.h"

#include "common/error.h"

#include <algorithm>

namespace cs::results {
namespace {

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

using store::ArtifactKind;
using store::ArtifactRecord;

// A metadata field as text, empty unless it is a string.
std::string textOf(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) return {};
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A metadata field as an integer, `fallback` unless it is a number.
int64_t integerOf(const nlohmann::json& object, const char* key, int64_t fallback) {
    if (!object.is_object()) return fallback;
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number()) return fallback;
    return it->is_number_float() ? static_cast<int64_t>(it->get<double>()) : it->get<int64_t>();
}

bool startsWith(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

// Projection when unnamed or named so; any other stored method (gradient-input, grad-cam,
// implicit) comes from implicit differentiation.
MapMethod methodFromText(const std::string& text) {
    return text.empty() || text == "projection" ? MapMethod::Projection : MapMethod::Implicit;
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

const store::LabelRecord* RunData::userLabel(store::LabelTarget target, int64_t targetId) const {
    for (const auto& l : labels)
        if (l.target == target && l.targetId == targetId) return &l;
    return nullptr;
}

std::string RunData::conceptName(const store::ConceptRecord& concept) const {
    if (const auto* user = userLabel(store::LabelTarget::Concept, concept.id); user && !user->text.empty()) return user->text;
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

const char* toString(MapMethod method) { return method == MapMethod::Implicit ? "implicit" : "projection"; }

const ArtifactRecord* RunData::find(ArtifactKind kind, const std::string& name) const {
    for (const auto& a : artifacts)
        if (a.kind == kind && a.name == name) return &a;
    return nullptr;
}

std::vector<RunImage> RunData::images() const {
    std::vector<RunImage> out;
    for (const auto& a : artifacts)
        if (a.kind == ArtifactKind::Image && isImageMime(a.mime))
            out.push_back({a.id, a.name, textOf(parseStoredJson(a.metadataJson), "source")});
    return out;
}

namespace {

// U maps and concept map tensors: the planes of one image's concepts ([h, w, r] or [r, h, w]).
bool isConceptMapTensor(const ArtifactRecord& a, const nlohmann::json& meta) {
    if (classifyArtifact(a) != ArtifactRole::Tensor || !meta.is_object() || !meta.contains("image")) return false;
    const bool mapKind = a.kind == ArtifactKind::ConceptMap || a.kind == ArtifactKind::ConceptMapImplicit ||
                         a.kind == ArtifactKind::Heatmap;
    return mapKind || startsWith(a.name, "umap") || startsWith(textOf(meta, "layout"), "h,w");
}

// A ready-made picture of several concepts over an image (per-concept pictures name a "concept").
bool isMultiConceptOverlay(const ArtifactRecord& a, const nlohmann::json& meta) {
    return classifyArtifact(a) == ArtifactRole::AttributionMap && !(meta.is_object() && meta.contains("concept"));
}

}  // namespace

std::vector<ConceptMapRef> RunData::conceptMaps() const {
    std::vector<ConceptMapRef> tensors, pictures;
    for (const auto& a : artifacts) {
        const nlohmann::json meta = parseStoredJson(a.metadataJson);
        const bool implicitKind = a.kind == ArtifactKind::ConceptMapImplicit;
        if (isConceptMapTensor(a, meta)) {
            const std::string method = textOf(meta, "method");
            tensors.push_back({a.id, textOf(meta, "image"),
                               method.empty() ? (implicitKind ? MapMethod::Implicit : MapMethod::Projection) : methodFromText(method),
                               true});
        } else if (isMultiConceptOverlay(a, meta)) {
            std::string method = textOf(meta, "method");
            if (method.empty()) method = textOf(meta, "map_type");
            if (method.empty() && implicitKind) method = "implicit";
            const std::string image = textOf(meta, "image");
            pictures.push_back({a.id, image.empty() ? a.name : image, methodFromText(method), false});
        }
    }
    tensors.insert(tensors.end(), pictures.begin(), pictures.end());
    return tensors;
}

std::map<int64_t, std::vector<int64_t>> RunData::conceptThumbnails() const {
    std::map<int64_t, std::vector<std::pair<int64_t, int64_t>>> ranked;  // concept -> (rank, artifact id)
    for (const auto& a : artifacts) {
        if (classifyArtifact(a) != ArtifactRole::CropImage) continue;
        const nlohmann::json meta = parseStoredJson(a.metadataJson);
        const int64_t conceptId = integerOf(meta, "concept_id", 0);
        // Unranked thumbnails come after ranked ones.
        if (conceptId != 0) ranked[conceptId].push_back({integerOf(meta, "rank", int64_t(1) << 20), a.id});
    }
    std::map<int64_t, std::vector<int64_t>> out;
    for (auto& [conceptId, list] : ranked) {
        std::sort(list.begin(), list.end());
        for (const auto& entry : list) out[conceptId].push_back(entry.second);
    }
    return out;
}

std::map<int64_t, int64_t> RunData::conceptPictures() const {
    std::map<int64_t, int64_t> out;
    for (const auto& a : artifacts) {
        if (a.kind != store::ArtifactKind::FeatureVisualization || !isImageMime(a.mime)) continue;
        const int64_t conceptId = integerOf(parseStoredJson(a.metadataJson), "concept_id", 0);
        if (conceptId != 0) out[conceptId] = std::max(out[conceptId], a.id);
    }
    return out;
}

std::map<int64_t, std::vector<CropBox>> RunData::summaryTopCrops() const {
    std::map<int64_t, std::vector<CropBox>> out;
    if (!summary.is_object() || !summary.contains("concepts") || !summary["concepts"].is_array()) return out;
    for (const auto& concept : summary["concepts"]) {
        if (!concept.is_object() || !concept.contains("top_crops") || !concept["top_crops"].is_array()) continue;
        const int64_t id = integerOf(concept, "id", 0);
        for (const auto& crop : concept["top_crops"]) {
            if (!crop.is_object() || !crop.contains("box")) continue;
            const auto& box = crop["box"];
            if (!box.is_array() || box.size() != 4) continue;
            auto at = [&](size_t i) { return box[i].is_number() ? box[i].get<int64_t>() : int64_t(0); };
            out[id].push_back({textOf(crop, "image"), at(0), at(1), at(2), at(3)});
        }
    }
    return out;
}

const ArtifactRecord* RunData::faithfulnessCurve() const { return find(ArtifactKind::Curve, "faithfulness"); }

const ArtifactRecord* RunData::storedTree() const {
    const auto trees = artifactsWithRole(ArtifactRole::Hierarchy);
    return trees.empty() ? nullptr : trees.front();
}

const ArtifactRecord* RunData::histogram(const std::string& name) const {
    for (const auto& a : artifacts)
        if ((a.kind == ArtifactKind::Histogram || a.kind == ArtifactKind::LatentHistogram) && a.name == name) return &a;
    return nullptr;
}

const ArtifactRecord* RunData::latentHistogram(int64_t latentIndex) const {
    return find(ArtifactKind::LatentHistogram, "latent" + std::to_string(latentIndex));
}

const ArtifactRecord* RunData::saeTrainingCurve() const { return find(ArtifactKind::Curve, "sae_training"); }

std::vector<const ArtifactRecord*> RunData::ablations() const { return artifactsWithRole(ArtifactRole::Ablation); }

std::vector<const ArtifactRecord*> RunData::latentAblations(int64_t latentIndex) const {
    std::vector<const ArtifactRecord*> out;
    for (const auto* a : ablations())
        if (a->name == "latent_" + std::to_string(latentIndex)) out.push_back(a);
    return out;
}

const ArtifactRecord* RunData::tensor(const std::string& name) const {
    for (const auto* a : artifactsWithRole(ArtifactRole::Tensor))
        if (a->name == name) return a;
    return nullptr;
}

nlohmann::json parseStoredJson(const std::string& text) {
    if (text.empty()) return nlohmann::json::object();
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
        return nlohmann::json{{"unparsed", text}};
    }
}

RunData loadRunArtifacts(const store::ProjectStore& store, int64_t runId) {
    auto run = store.run(runId);
    if (!run) throw Error(store.path(), "the project has no run " + std::to_string(runId));
    RunData data;
    data.run = *run;
    data.parameters = parseStoredJson(run->parametersJson);
    data.summary = parseStoredJson(run->summaryJson);
    data.artifacts = store.artifacts(runId);
    return data;
}

RunData loadRunData(const store::ProjectStore& store, int64_t runId) {
    RunData data = loadRunArtifacts(store, runId);
    if (data.run.modelId) data.model = store.model(*data.run.modelId);
    if (data.run.datasetId)
        for (auto& d : store.datasets())
            if (d.id == *data.run.datasetId) data.dataset = d;
    data.concepts = store.concepts(runId);
    data.crops = store.crops(runId);
    data.latents = store.latents(runId);
    data.labels = store.labels(runId);
    return data;
}

std::vector<int64_t> finishedRunIds(const store::ProjectStore& store) {
    std::vector<int64_t> ids;
    for (const auto& run : store.runs())
        if (run.status == store::RunStatus::Done) ids.push_back(run.id);
    std::sort(ids.begin(), ids.end());
    return ids;
}

std::vector<std::string> raisedClassNames(const store::ConceptRecord& concept) {
    std::vector<std::string> names;
    const nlohmann::json meta = parseStoredJson(concept.metadataJson);
    if (!meta.is_object() || !meta.contains("raised_classes") || !meta["raised_classes"].is_array()) return names;
    for (const auto& raised : meta["raised_classes"])
        if (raised.is_object() && raised.contains("name") && raised["name"].is_string()) names.push_back(raised["name"].get<std::string>());
    return names;
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

}  // namespace cs::results
