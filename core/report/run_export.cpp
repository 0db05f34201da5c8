#include "report/run_export.h"

#include "common/error.h"
#include "common/output_file.h"
#include "report/file_output.h"
#include "report/npy_writer.h"
#include "report/text_encoding.h"
#include "results/run_data.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace cs::report {

// What a run holds comes from the one results reader.
using results::ArtifactRole;
using results::RunData;
using results::latentTags;
using results::loadRunData;
using results::parseStoredJson;

namespace {

using nlohmann::json;

std::string extensionForMime(const std::string& mime) {
    if (mime == "image/png") return ".png";
    if (mime == "image/jpeg") return ".jpg";
    if (mime == "image/svg+xml") return ".svg";
    if (mime == "image/webp") return ".webp";
    return ".bin";
}

std::string num(double v) { return formatNumber(v, 9); }

// A file name for an artifact. Engines name per-image artifacts "<image path>#<what>"; the
// image's folder and file name plus <what> are what tell two files apart, so the rest of
// the path is dropped (and a long name keeps its end).
std::string artifactFileStem(const std::string& name) {
    const auto hash = name.find('#');
    std::string path = name.substr(0, hash);
    const std::string rest = hash == std::string::npos ? "" : "_" + name.substr(hash + 1);
    const auto last = path.rfind('/');
    if (last != std::string::npos && last > 0) {
        const auto previous = path.rfind('/', last - 1);
        path = path.substr(previous == std::string::npos ? 0 : previous + 1);
    }
    std::string stem = path + rest;
    if (stem.size() > 80) stem = stem.substr(stem.size() - 80);
    return safeFileName(stem);
}

class Exporter {
public:
    Exporter(const store::ProjectStore& store, const RunData& run, std::string dir)
        : store_(store), run_(run), dir_(std::move(dir)) {}

    void write(const std::string& relative, const std::string& bytes) {
        const std::string path = dir_ + "/" + relative;
        const auto slash = path.rfind('/');
        ensureDirectory(path.substr(0, slash));
        writeOutputFile(path, bytes);
        written_.push_back(path);
    }
    void writeNpyFile(const std::string& relative, const TensorBlob& tensor) {
        const std::string path = dir_ + "/" + relative;
        writeNpy(path, tensor);
        written_.push_back(path);
    }

    // The user's label and note of a concept or latent; empty when it has none.
    std::string labelOf(store::LabelTarget target, int64_t rowId) const {
        const auto* label = run_.userLabel(target, rowId);
        return label ? label->text : std::string();
    }
    std::string noteOf(store::LabelTarget target, int64_t rowId) const {
        const auto* label = run_.userLabel(target, rowId);
        return label ? label->note : std::string();
    }

    void csv() {
        if (!run_.concepts.empty()) {
            std::ostringstream out;
            out << "concept_id,parent_id,layer,index,label,importance,importance_std,note\n";
            for (const auto& c : run_.concepts)
                out << c.id << ',' << (c.parentId ? std::to_string(*c.parentId) : "") << ',' << csvField(c.layer)
                    << ',' << c.index << ',' << csvField(run_.conceptName(c)) << ',' << num(c.importance) << ','
                    << num(c.importanceStd) << ',' << csvField(noteOf(store::LabelTarget::Concept, c.id)) << '\n';
            write("concepts.csv", out.str());
        }
        if (!run_.crops.empty()) {
            size_t width = 0;
            for (const auto& crop : run_.crops) width = std::max(width, crop.coefficients.data.size());
            std::ostringstream out;
            out << "crop_id,source_image,x,y,w,h";
            for (size_t i = 0; i < width; ++i) out << ",u" << i;
            out << '\n';
            for (const auto& crop : run_.crops) {
                out << crop.id << ',' << csvField(crop.sourceImage) << ',' << crop.x << ',' << crop.y << ',' << crop.w
                    << ',' << crop.h;
                for (size_t i = 0; i < width; ++i)
                    out << ',' << (i < crop.coefficients.data.size() ? num(crop.coefficients.data[i]) : "");
                out << '\n';
            }
            write("crops.csv", out.str());
        }
        if (!run_.latents.empty()) {
            std::ostringstream out;
            out << "latent,frequency,confidence,precision,recall,tags,label,note\n";
            for (const auto& l : run_.latents) {
                std::string tags;
                for (const auto& tag : latentTags(l)) tags += (tags.empty() ? "" : "|") + tag;
                out << l.index << ',' << num(l.frequency) << ',' << num(l.confidence) << ',' << num(l.precision) << ','
                    << num(l.recall) << ',' << csvField(tags) << ',' << csvField(labelOf(store::LabelTarget::Latent, l.id))
                    << ',' << csvField(noteOf(store::LabelTarget::Latent, l.id)) << '\n';
            }
            write("latents.csv", out.str());
        }
    }

    void jsonFiles() {
        json run{{"id", run_.run.id},
                 {"kind", run_.run.kind},
                 {"status", store::toString(run_.run.status)},
                 {"created_at", run_.run.createdAt},
                 {"started_at", run_.run.startedAt},
                 {"finished_at", run_.run.finishedAt},
                 {"parameters", run_.parameters},
                 {"summary", run_.summary}};
        if (!run_.run.error.empty()) run["error"] = run_.run.error;
        if (run_.model)
            run["model"] = {{"path", run_.model->path}, {"sha256", run_.model->sha256},
                            {"adapter", run_.model->adapter}, {"kind", run_.model->kind}};
        if (run_.dataset) run["dataset"] = {{"path", run_.dataset->path}, {"kind", run_.dataset->kind}};
        write("run.json", run.dump(2) + "\n");
        if (!run_.concepts.empty()) {
            json concepts = json::array();
            for (const auto& c : run_.concepts)
                concepts.push_back({{"id", c.id},
                                    {"parent_id", c.parentId ? json(*c.parentId) : json(nullptr)},
                                    {"layer", c.layer},
                                    {"index", c.index},
                                    {"label", run_.conceptName(c)},
                                    {"note", noteOf(store::LabelTarget::Concept, c.id)},
                                    {"importance", c.importance},
                                    {"importance_std", c.importanceStd},
                                    {"vector_shape", c.vector.shape}});
            write("concepts.json", concepts.dump(2) + "\n");
        }
        if (!run_.latents.empty()) {
            json latents = json::array();
            for (const auto& l : run_.latents)
                latents.push_back({{"latent", l.index},
                                   {"frequency", l.frequency},
                                   {"confidence", l.confidence},
                                   {"precision", l.precision},
                                   {"recall", l.recall},
                                   {"tags", parseStoredJson(l.tagsJson)},
                                   {"label", labelOf(store::LabelTarget::Latent, l.id)},
                                   {"note", noteOf(store::LabelTarget::Latent, l.id)},
                                   {"metadata", parseStoredJson(l.metadataJson)}});
            write("latents.json", latents.dump(2) + "\n");
        }
        for (const auto* a : run_.artifactsWithRole(ArtifactRole::Hierarchy)) jsonArtifact(*a);
        for (const auto* a : run_.artifactsWithRole(ArtifactRole::Curve)) jsonArtifact(*a);
        for (const auto* a : run_.artifactsWithRole(ArtifactRole::Ablation)) jsonArtifact(*a);
    }

    void jsonArtifact(const store::ArtifactRecord& listed) {
        auto full = store_.artifact(listed.id);
        if (!full) return;
        write("json/" + safeFileName(full->kindText()) + "/" + artifactFileStem(full->name) + ".json", full->bytes);
    }

    void npy() {
        // W: one matrix per (layer, parent): the top level and each concept's sub-concepts,
        // rows in concept-index order so row i matches column i of U.
        std::map<std::pair<std::optional<int64_t>, std::string>, std::vector<const store::ConceptRecord*>> groups;
        for (const auto& c : run_.concepts) groups[{c.parentId, c.layer}].push_back(&c);
        for (auto& [key, members] : groups) {
            std::sort(members.begin(), members.end(), [](auto* a, auto* b) { return a->index < b->index; });
            const int64_t width = members.front()->vector.numel();
            TensorBlob w;
            w.shape = {static_cast<int64_t>(members.size()), width};
            for (const auto* c : members) {
                if (c->vector.numel() != width)
                    throw Error(store_.path(), "run " + std::to_string(run_.run.id) + ": concept vectors of layer " +
                                                   key.second + " differ in length (" + std::to_string(width) +
                                                   " and " + std::to_string(c->vector.numel()) + ")");
                w.data.insert(w.data.end(), c->vector.data.begin(), c->vector.data.end());
            }
            std::string name = "concept_vectors_W_" + safeFileName(key.second);
            if (key.first) name += "_parent" + std::to_string(*key.first);
            writeNpyFile(name + ".npy", w);
        }
        // U: crops grouped by coefficient length (the top-level rank first).
        std::map<size_t, std::vector<const store::CropRecord*>> byRank;
        for (const auto& crop : run_.crops) byRank[crop.coefficients.data.size()].push_back(&crop);
        for (const auto& [rank, crops] : byRank) {
            if (rank == 0) continue;
            TensorBlob u;
            u.shape = {static_cast<int64_t>(crops.size()), static_cast<int64_t>(rank)};
            for (const auto* crop : crops) u.data.insert(u.data.end(), crop->coefficients.data.begin(), crop->coefficients.data.end());
            writeNpyFile(byRank.size() == 1 ? "coefficients_U.npy" : "coefficients_U_r" + std::to_string(rank) + ".npy", u);
        }
        for (const auto* a : run_.artifactsWithRole(ArtifactRole::Tensor)) {
            auto full = store_.artifact(a->id);
            if (!full || !full->tensor) continue;
            writeNpyFile(safeFileName(full->kindText()) + "_" + artifactFileStem(full->name) + ".npy", *full->tensor);
        }
    }

    void pictures() {
        std::set<std::string> used;
        for (const auto& listed : run_.artifacts) {
            if (listed.mime.rfind("image/", 0) != 0) continue;
            auto full = store_.artifact(listed.id);
            if (!full) continue;
            std::string relative = "png/" + safeFileName(full->kindText()) + "/" + artifactFileStem(full->name);
            // Different names can map to one safe name; keep them apart.
            std::string candidate = relative;
            for (int n = 2; used.count(candidate); ++n) candidate = relative + "-" + std::to_string(n);
            used.insert(candidate);
            std::string file = candidate;
            const std::string ext = extensionForMime(full->mime);
            if (file.size() < ext.size() || file.compare(file.size() - ext.size(), ext.size(), ext) != 0) file += ext;
            write(file, full->bytes);
        }
    }

    std::vector<std::string> written_;

private:
    const store::ProjectStore& store_;
    const RunData& run_;
    std::string dir_;
};

}  // namespace

ExportSelection parseExportSelection(const std::string& list) {
    ExportSelection selection{false, false, false, false};
    std::stringstream in(list);
    std::string item;
    bool any = false;
    while (std::getline(in, item, ',')) {
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (item.empty()) continue;
        any = true;
        if (item == "csv") selection.csv = true;
        else if (item == "json") selection.json = true;
        else if (item == "npy") selection.npy = true;
        else if (item == "png" || item == "pictures") selection.png = true;
        else if (item == "all") selection = ExportSelection{};
        else throw UsageError("--what: unknown export '" + item + "' (expected csv, json, npy, png or all)");
    }
    if (!any) throw UsageError("--what: nothing to export (expected csv, json, npy, png or all)");
    return selection;
}

std::vector<std::string> exportRun(const store::ProjectStore& store, int64_t runId, const std::string& outDir,
                                   const ExportSelection& selection) {
    const RunData run = loadRunData(store, runId);
    const std::string dir = outDir + "/run-" + std::to_string(runId);
    ensureDirectory(dir);
    Exporter exporter(store, run, dir);
    if (selection.csv) exporter.csv();
    if (selection.json) exporter.jsonFiles();
    if (selection.npy) exporter.npy();
    if (selection.png) exporter.pictures();
    std::sort(exporter.written_.begin(), exporter.written_.end());
    return exporter.written_;
}

}  // namespace cs::report
