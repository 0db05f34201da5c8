#include "report/html_report.h"

#include "common/error.h"
#include "cs/build_info.h"
#include "report/comparison_section.h"
#include "report/hierarchy_picture.h"
#include "report/svg_charts.h"
#include "report/text_encoding.h"
#include "report/thumbnails.h"
#include "results/concept_palette.h"
#include "results/run_data.h"
#include "results/run_headlines.h"

#include <nlohmann/json.hpp>
#include <opencv2/core/version.hpp>
#include <sqlite3.h>

#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <sstream>

namespace cs::report {

// What a run holds comes from the one results reader.
using results::ArtifactRole;
using results::RunData;
using results::finishedRunIds;
using results::latentTags;
using results::loadRunData;
using results::parseStoredJson;

namespace {

using nlohmann::json;

const char* kSectionModel = "Model and data";
const char* kSectionParameters = "Parameters";
const char* kSectionImportance = "Concept importance";
const char* kSectionCrops = "Best crops per concept";
const char* kSectionMaps = "Concept attribution maps";
const char* kSectionHierarchy = "Concept hierarchy";
const char* kSectionFaithfulness = "Faithfulness";
const char* kSectionSaeMetrics = "SAE metrics";
const char* kSectionLatents = "Latents";
const char* kSectionAblation = "Ablation results";
const char* kSectionLatentHierarchy = "Latent hierarchy";
const char* kSectionOtherPictures = "Other pictures";
const char* kSectionTensors = "Stored tensors";
const char* kSectionReproducibility = "Reproducibility";

const char* kBrowserCss = R"CSS(
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222; margin: 0 auto; max-width: 1040px; padding: 16px 24px; line-height: 1.4; }
h1 { font-size: 1.6em; border-bottom: 2px solid #4e79a7; padding-bottom: 4px; }
h2 { font-size: 1.35em; margin-top: 2em; border-bottom: 1px solid #ccc; padding-bottom: 2px; }
h3 { font-size: 1.1em; margin-top: 1.4em; color: #333; }
table { border-collapse: collapse; margin: 6px 0 12px 0; font-size: 0.9em; }
th, td { border: 1px solid #d0d0d0; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f0f3f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: "DejaVu Sans Mono", monospace; font-size: 0.88em; word-break: break-all; }
.note { color: #666; font-style: italic; }
.crops img, .maps img { margin: 2px; vertical-align: top; }
.concept-row { margin: 4px 0 10px 0; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: middle; }
figure { margin: 6px; display: inline-block; vertical-align: top; }
figcaption { font-size: 0.8em; color: #555; max-width: 340px; }
ul.tree { margin: 2px 0 2px 0; }
.error { color: #a00; }
nav ul { columns: 2; }
)CSS";

// What QTextDocument understands (CSS 2.1 subset): no flex, no columns, no inline-block.
const char* kPrintCss = R"CSS(
body { font-family: "DejaVu Sans"; font-size: 9pt; color: #222222; }
h1 { font-size: 16pt; color: #1f3b5a; }
h2 { font-size: 13pt; color: #1f3b5a; margin-top: 14pt; page-break-before: always; }
h2.summary { page-break-before: auto; }
h3 { font-size: 11pt; color: #333333; margin-top: 10pt; }
th { background-color: #e8edf3; }
.note { color: #666666; font-style: italic; }
.mono { font-family: "DejaVu Sans Mono"; font-size: 8pt; }
.error { color: #aa0000; }
)CSS";

std::string nowIso() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

std::string jsonScalarText(const json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number_float()) return formatNumber(value.get<double>(), 6);
    if (value.is_null()) return "—";
    return value.dump();
}

bool isNumberArray(const json& value) {
    if (!value.is_array() || value.size() < 2) return false;
    for (const auto& v : value)
        if (!v.is_number()) return false;
    return true;
}

std::vector<double> toDoubles(const json& value) {
    std::vector<double> out;
    for (const auto& v : value) out.push_back(v.get<double>());
    return out;
}

std::string svgDimension(const std::string& svg, const char* attribute) {
    const std::string key = std::string(" ") + attribute + "=\"";
    const auto pos = svg.find(key);
    if (pos == std::string::npos) return "0";
    const auto start = pos + key.size();
    return svg.substr(start, svg.find('"', start) - start);
}

// Finds numeric curves (arrays of ≥ 2 numbers) and scalars (e.g. areas) in a faithfulness
// record of any reasonable shape; names are the JSON paths.
void collectCurves(const json& node, const std::string& path, std::vector<Series>& series,
                   std::vector<std::pair<std::string, double>>& scalars, int depth = 0) {
    if (depth > 6) return;
    auto join = [&](const std::string& key) { return path.empty() ? key : path + " " + key; };
    if (node.is_object()) {
        std::vector<double> xs;
        std::string xKey;
        for (const char* key : {"x", "fractions", "fraction", "steps", "k", "removed", "n_concepts"}) {
            auto it = node.find(key);
            if (it != node.end() && isNumberArray(*it)) {
                xs = toDoubles(*it);
                xKey = key;
                break;
            }
        }
        for (auto it = node.begin(); it != node.end(); ++it) {
            // "order" lists concept indices (the deletion order), not a curve.
            if (it.key() == xKey || it.key().find("order") != std::string::npos) continue;
            if (isNumberArray(it.value())) {
                Series s;
                s.name = join(it.key());
                s.y = toDoubles(it.value());
                if (xs.size() == s.y.size()) {
                    s.x = xs;
                } else {
                    for (size_t i = 0; i < s.y.size(); ++i) s.x.push_back(static_cast<double>(i) / (s.y.size() - 1));
                }
                series.push_back(std::move(s));
            } else if (it.value().is_number()) {
                scalars.emplace_back(join(it.key()), it.value().get<double>());
            } else if (it.value().is_object() || it.value().is_array()) {
                collectCurves(it.value(), join(it.key()), series, scalars, depth + 1);
            }
        }
    } else if (node.is_array()) {
        for (size_t i = 0; i < node.size(); ++i) {
            std::string name = join("#" + std::to_string(i));
            if (node[i].is_object())
                for (const char* key : {"name", "order", "curve", "kind"})
                    if (node[i].contains(key) && node[i][key].is_string()) {
                        name = join(node[i][key].get<std::string>());
                        break;
                    }
            collectCurves(node[i], name, series, scalars, depth + 1);
        }
    }
}

class ReportWriter {
public:
    ReportWriter(const store::ProjectStore& store, const ReportOptions& options) : store_(store), options_(options) {}

    std::string render() {
        std::vector<int64_t> ids = options_.runIds.empty() ? finishedRunIds(store_) : options_.runIds;
        std::vector<RunData> runs;
        for (int64_t id : ids) runs.push_back(loadRunData(store_, id));

        const std::string projectName = std::filesystem::path(store_.path()).filename().string();
        out_ << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             << "<meta name=\"generator\" content=\"ConceptStudio " << escapeHtml(CS_VERSION_STRING) << "\">"
             // Forbid every network fetch, so opening a report never calls out (and any
             // markup that slipped through escaping could not load or run anything).
             << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
                "style-src 'unsafe-inline'\">"
             << "<title>ConceptStudio report: " << escapeHtml(projectName) << "</title><style>"
             << (print() ? kPrintCss : kBrowserCss) << "</style></head><body>\n";
        out_ << "<h1>ConceptStudio report: " << escapeHtml(projectName) << "</h1>\n";
        out_ << "<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\">"
             << row("Project file", "<span class=\"mono\">" + escapeHtml(store_.path()) + "</span>", true)
             << row("Generated", escapeHtml(options_.generatedAt.empty() ? nowIso() : options_.generatedAt))
             << row("Generator", "ConceptStudio " + escapeHtml(CS_VERSION_STRING))
             << row("Runs in this report", std::to_string(runs.size())) << "</table>\n";
        if (runs.empty()) {
            out_ << "<p class=\"note\">The project has no finished runs yet: run an analysis "
                    "(concept-studio-cli craft or recsae) and report again.</p>\n";
        } else {
            out_ << "<nav><h3>Contents</h3><ul><li><a href=\"#summary\">Summary</a></li>";
            for (const auto& run : runs)
                out_ << "<li><a href=\"#run-" << run.run.id << "\">" << escapeHtml(runTitle(run)) << "</a></li>";
            out_ << "</ul></nav>\n";
        }
        if (!runs.empty()) renderFindings(runs);
        for (const auto& run : runs) renderRun(run);
        out_ << comparisonSectionHtml(store_, ids, [this](const std::string& svg, const std::string& caption) { return figureHtml(svg, caption); });
        out_ << "</body></html>\n";
        return out_.str();
    }

private:
    bool print() const { return options_.flavor == ReportFlavor::Print; }

    static std::string row(const std::string& key, const std::string& valueHtml, bool /*mono*/ = false) {
        return "<tr><th>" + escapeHtml(key) + "</th><td>" + valueHtml + "</td></tr>";
    }
    static std::string tableOpen() { return "<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\">"; }

    std::string runTitle(const RunData& run) const {
        std::string title = "Run " + std::to_string(run.run.id) + ": " + run.run.kind;
        const std::string cls = run.className();
        if (!cls.empty()) title += ", class " + cls;
        const std::string layer = run.probePoint();
        if (!layer.empty()) title += ", " + layer;
        title += " (" + std::string(store::toString(run.run.status)) + ")";
        return title;
    }

    void heading(const RunData& run, const char* title) {
        std::string id = "run-" + std::to_string(run.run.id) + "-";
        for (const char* c = title; *c; ++c) id += std::isalnum(static_cast<unsigned char>(*c)) ? std::tolower(*c) : '-';
        out_ << "<h3 id=\"" << id << "\">" << escapeHtml(title) << "</h3>\n";
    }

    // A chart: inline in the browser; an SVG picture for Qt's document layout.
    void figure(const std::string& svg, const std::string& caption) { out_ << figureHtml(svg, caption); }
    std::string figureHtml(const std::string& svg, const std::string& caption) const {
        if (print())
            return "<p><img src=\"" + dataUri("image/svg+xml", svg) + "\" width=\"" + svgDimension(svg, "width") + "\" height=\"" +
                   svgDimension(svg, "height") + "\" alt=\"" + escapeHtml(caption) + "\"></p>\n";
        return "<figure>" + svg + "<figcaption>" + escapeHtml(caption) + "</figcaption></figure>\n";
    }

    void pngImage(const std::string& png, const std::string& caption, const std::string& title = {}) {
        if (png.empty()) return;
        out_ << "<img src=\"" << dataUri("image/png", png) << "\" alt=\"" << escapeHtml(caption) << "\" title=\""
             << escapeHtml(title.empty() ? caption : title) << "\">";
    }

    void renderRun(const RunData& run) {
        out_ << "<h2 id=\"run-" << run.run.id << "\">" << escapeHtml(runTitle(run)) << "</h2>\n";
        if (run.run.status != store::RunStatus::Done)
            out_ << "<p class=\"error\">This run is " << store::toString(run.run.status)
                 << (run.run.error.empty() ? "" : ": " + escapeHtml(run.run.error))
                 << ". Its results may be missing.</p>\n";
        renderModelAndData(run);
        renderParameters(run);
        if (run.isCraft()) {
            renderImportance(run);
            renderCrops(run);
            renderMaps(run);
            renderConceptHierarchy(run);
            renderFaithfulness(run);
        }
        if (run.isSae()) {
            renderSaeMetrics(run);
            renderLatents(run);
            renderAblation(run);
            renderHierarchyArtifacts(run, kSectionLatentHierarchy);
        }
        if (!run.isCraft() && !run.isSae()) renderSummary(run);
        renderOtherPictures(run);
        renderTensors(run);
        renderReproducibility(run);
    }

    void renderModelAndData(const RunData& run) {
        heading(run, kSectionModel);
        out_ << tableOpen();
        if (run.model) {
            std::error_code ec;
            const bool present = std::filesystem::exists(run.model->path, ec);
            out_ << row("Model file", "<span class=\"mono\">" + escapeHtml(run.model->path) + "</span>" +
                                          (present ? "" : " <span class=\"note\">(not found now)</span>"))
                 << row("SHA-256", "<span class=\"mono\">" + escapeHtml(run.model->sha256) + "</span>")
                 << row("Adapter", escapeHtml(run.model->adapter)) << row("Model kind", escapeHtml(run.model->kind));
        } else {
            out_ << row("Model", "<span class=\"note\">not recorded</span>");
        }
        const std::string layer = run.probePoint();
        out_ << row("Probe point", layer.empty() ? "<span class=\"note\">not recorded</span>" : escapeHtml(layer));
        const std::string cls = run.className();
        if (!cls.empty()) out_ << row("Class", escapeHtml(cls));
        if (run.dataset) {
            out_ << row("Data", "<span class=\"mono\">" + escapeHtml(run.dataset->path) + "</span>")
                 << row("Data kind", escapeHtml(run.dataset->kind));
        }
        for (const char* key : {"n_images", "n_crops", "n_sequences", "n_users", "n_items"})
            if (run.summary.is_object() && run.summary.contains(key))
                out_ << row(key, escapeHtml(jsonScalarText(run.summary[key])));
        out_ << "</table>\n";
    }

    void renderParameters(const RunData& run) {
        heading(run, kSectionParameters);
        if (!run.parameters.is_object() || run.parameters.empty()) {
            out_ << "<p class=\"note\">No parameters recorded.</p>\n";
            return;
        }
        out_ << tableOpen();
        for (auto it = run.parameters.begin(); it != run.parameters.end(); ++it)
            out_ << row(it.key(), "<span class=\"mono\">" + escapeHtml(jsonScalarText(it.value())) + "</span>");
        out_ << "</table>\n";
    }

    // The summary page: per run, its headline figures and what it found (top concepts with a crop,
    // their labels and notes; the most confident latents with labels and tags), before the tables.
    void renderFindings(const std::vector<RunData>& runs) {
        out_ << "<h2 class=\"summary\" id=\"summary\">Summary</h2>\n";
        for (const auto& run : runs) {
            out_ << "<h3><a href=\"#run-" << run.run.id << "\">" << escapeHtml(runTitle(run)) << "</a></h3>\n";
            std::string figures;
            for (const auto& h : results::runHeadlines(run))
                figures += (figures.empty() ? "" : " · ") + escapeHtml(h.name) + " <b>" + escapeHtml(h.value) + "</b>";
            if (!figures.empty()) out_ << "<p>" << figures << "</p>\n";
            if (run.isCraft()) renderTopConceptFindings(run);
            if (run.isSae()) renderTopLatentFindings(run);
        }
    }

    void renderTopConceptFindings(const RunData& run) {
        const auto top = run.topConcepts();
        if (top.empty()) return;
        const auto thumbnails = run.conceptThumbnails();
        const auto pictures = run.conceptPictures();
        const bool anyPicture = !pictures.empty();
        out_ << tableOpen() << "<tr><th>Concept</th><th>Importance</th><th>Best crop</th>" << (anyPicture ? "<th>Looks like</th>" : "") << "</tr>";
        for (size_t i = 0; i < top.size() && i < kFindingsConcepts; ++i) {
            const auto* c = top[i];
            const std::string color = conceptColor(run, *c);
            out_ << "<tr><td>" << swatch(color) << "<b>" << escapeHtml(run.conceptName(*c)) << "</b>"
                 << userNote(run, store::LabelTarget::Concept, c->id) << "</td><td class=\"num\">"
                 << formatNumber(c->importance, 3) << "</td><td>";
            const auto it = thumbnails.find(c->id);
            if (it != thumbnails.end() && !it->second.empty())
                if (auto full = store_.artifact(it->second.front()))
                    pngImage(reframePng(full->bytes, options_.thumbnailSide, color), run.conceptName(*c) + " crop");
            out_ << "</td>";
            if (anyPicture) {
                out_ << "<td>";
                renderConceptPicture(run, pictures, *c, color);
                out_ << "</td>";
            }
            out_ << "</tr>";
        }
        out_ << "</table>\n";
    }

    // The concept's MaCo picture (`visualize`), when one was made: what the concept looks like.
    // pictures: the run's conceptPictures(), read once per run.
    void renderConceptPicture(const RunData& run, const std::map<int64_t, int64_t>& pictures, const store::ConceptRecord& concept,
                              const std::string& color) {
        const auto it = pictures.find(concept.id);
        if (it == pictures.end()) return;
        const auto full = store_.artifact(it->second);
        if (!full) return;
        const std::string png = reframePng(full->bytes, options_.thumbnailSide, color);
        if (png.empty()) return;
        pngImage(png, run.conceptName(concept) + " as MaCo sees it", "an image optimised to activate this concept (MaCo)");
        out_ << ' ';
    }

    void renderTopLatentFindings(const RunData& run) {
        std::vector<const store::LatentRecord*> sorted;
        for (const auto& l : run.latents) sorted.push_back(&l);
        if (sorted.empty()) return;
        std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->confidence > b->confidence; });
        out_ << tableOpen() << "<tr><th>Latent</th><th>Label</th><th>Confidence</th><th>Tags</th></tr>";
        for (size_t i = 0; i < sorted.size() && i < kFindingsLatents; ++i) {
            const auto* l = sorted[i];
            const auto* label = run.userLabel(store::LabelTarget::Latent, l->id);
            std::string tags;
            for (const auto& tag : latentTags(*l)) tags += (tags.empty() ? "" : ", ") + escapeHtml(tag);
            out_ << "<tr><td class=\"num\">" << l->index << "</td><td>" << (label ? escapeHtml(label->text) : "")
                 << userNote(run, store::LabelTarget::Latent, l->id) << "</td><td class=\"num\">"
                 << formatNumber(l->confidence, 3) << "</td><td>" << tags << "</td></tr>";
        }
        out_ << "</table>\n";
    }

    static constexpr size_t kFindingsConcepts = 5, kFindingsLatents = 5;

    void renderImportance(const RunData& run) {
        heading(run, kSectionImportance);
        const auto top = run.topConcepts();
        if (top.empty()) {
            out_ << "<p class=\"note\">This run stored no concepts.</p>\n";
            return;
        }
        std::vector<Bar> bars;
        for (const auto* c : top) bars.push_back({run.conceptName(*c), c->importance, c->importanceStd, conceptColor(run, *c)});
        figure(barChartSvg(bars, "Sobol total index (mean over images, whiskers ±1 std)"),
               "Importance of each concept for the class (Sobol total order, Jansen estimator).");
        out_ << tableOpen() << "<tr><th>Concept</th><th>Layer</th><th>Importance</th><th>Std</th><th>Sub-concepts</th></tr>";
        for (const auto* c : top) {
            const auto subs = std::count_if(run.concepts.begin(), run.concepts.end(),
                                            [&](const auto& s) { return s.parentId && *s.parentId == c->id; });
            out_ << "<tr><td>" << swatch(conceptColor(run, *c)) << escapeHtml(run.conceptName(*c)) << "</td><td>"
                 << escapeHtml(c->layer) << "</td><td class=\"num\">" << formatNumber(c->importance)
                 << "</td><td class=\"num\">" << formatNumber(c->importanceStd) << "</td><td class=\"num\">" << subs
                 << "</td></tr>";
        }
        out_ << "</table>\n";
        // NMF and Sobol figures of the fit, when the engine recorded them.
        std::string extra;
        for (const char* group : {"nmf", "sobol"}) {
            if (!run.summary.is_object() || !run.summary.contains(group) || !run.summary[group].is_object()) continue;
            for (auto it = run.summary[group].begin(); it != run.summary[group].end(); ++it)
                if (!it.value().is_structured())
                    extra += row(std::string(group) + " " + it.key(), escapeHtml(jsonScalarText(it.value())));
        }
        if (!extra.empty()) out_ << tableOpen() << extra << "</table>\n";
    }

    std::string swatch(const std::string& color) const {
        if (print()) return "<font color=\"" + escapeHtml(color) + "\">&#9632;</font> ";
        return "<span class=\"swatch\" style=\"background:" + escapeHtml(color) + "\"></span>";
    }

    // The user's note on a concept or latent, as a line of its own; empty when there is none.
    static std::string userNote(const RunData& run, store::LabelTarget target, int64_t rowId) {
        const auto* label = run.userLabel(target, rowId);
        if (!label || label->note.empty()) return {};
        return "<br><span class=\"note\">" + escapeHtml(label->note) + "</span>";
    }

    // The concept's colour in the studio's views too (results/concept_palette.h).
    std::string conceptColor(const RunData& run, const store::ConceptRecord& concept) const {
        return results::conceptColorHex(results::conceptColorIndex(run.concepts, concept));
    }

    // Which concept a crop artifact belongs to: metadata "concept_id" (store id) or
    // "concept" (index), else a number in its name ("concept-3-...").
    std::optional<int64_t> artifactConceptIndex(const store::ArtifactRecord& a, const RunData& run) const {
        const json meta = parseStoredJson(a.metadataJson);
        if (meta.is_object()) {
            if (meta.contains("concept_id") && meta["concept_id"].is_number_integer()) {
                const int64_t id = meta["concept_id"].get<int64_t>();
                for (const auto& c : run.concepts)
                    if (c.id == id) return c.parentId ? std::nullopt : std::optional<int64_t>(c.index);
            }
            for (const char* key : {"concept", "concept_index"})
                if (meta.contains(key) && meta[key].is_number_integer()) return meta[key].get<int64_t>();
        }
        const auto pos = a.name.find_first_of("0123456789");
        if (pos == std::string::npos) return std::nullopt;
        return std::stoll(a.name.substr(pos, a.name.find_first_not_of("0123456789", pos) - pos));
    }

    void renderCrops(const RunData& run) {
        heading(run, kSectionCrops);
        const auto top = run.topConcepts();
        if (top.empty()) {
            out_ << "<p class=\"note\">No concepts, so no crops.</p>\n";
            return;
        }
        std::map<int64_t, std::vector<const store::ArtifactRecord*>> cropArtifacts;
        for (const auto* a : run.artifactsWithRole(ArtifactRole::CropImage))
            if (auto index = artifactConceptIndex(*a, run)) cropArtifacts[*index].push_back(a);
        const auto conceptPictures = run.conceptPictures();
        // Crops from the crop table: U rows whose length is the top-level rank.
        const size_t rank = top.size();
        int shown = 0;
        bool anyPicture = false;
        for (const auto* c : top) {
            if (shown++ >= options_.maxConceptsWithCrops) break;
            const std::string color = conceptColor(run, *c);
            out_ << "<div class=\"concept-row\"><p>" << swatch(color) << "<b>" << escapeHtml(run.conceptName(*c))
                 << "</b> <span class=\"note\">importance " << formatNumber(c->importance, 3) << "</span>"
                 << userNote(run, store::LabelTarget::Concept, c->id) << "</p><p class=\"crops\">";
            renderConceptPicture(run, conceptPictures, *c, color);
            int pictures = 0;
            auto& stored = cropArtifacts[c->index];
            // Best first: the engine's "rank" when it gives one, else the name.
            auto rankOf = [](const store::ArtifactRecord* a) {
                const json meta = parseStoredJson(a->metadataJson);
                return meta.is_object() && meta.contains("rank") && meta["rank"].is_number() ? meta["rank"].get<double>() : 1e18;
            };
            std::sort(stored.begin(), stored.end(), [&](auto* a, auto* b) {
                const double ra = rankOf(a), rb = rankOf(b);
                return ra != rb ? ra < rb : a->name < b->name;
            });
            for (const auto* a : stored) {
                if (pictures >= options_.maxCropsPerConcept) break;
                auto full = store_.artifact(a->id);
                if (!full) continue;
                const std::string png = reframePng(full->bytes, options_.thumbnailSide, color);
                if (png.empty()) continue;
                pngImage(png, run.conceptName(*c) + " crop", a->name);
                out_ << ' ';
                ++pictures;
            }
            if (pictures == 0) {
                // The engine's own choice (concept metadata "top_crops" with crop ids), else the
                // crops ranked by their coefficient for this concept.
                std::vector<std::pair<float, const store::CropRecord*>> ranked;
                const json meta = parseStoredJson(c->metadataJson);
                if (meta.is_object() && meta.contains("top_crops") && meta["top_crops"].is_array())
                    for (const auto& top : meta["top_crops"]) {
                        if (!top.is_object() || !top.contains("crop_id") || !top["crop_id"].is_number_integer()) continue;
                        const int64_t id = top["crop_id"].get<int64_t>();
                        auto it = std::find_if(run.crops.begin(), run.crops.end(), [&](const auto& k) { return k.id == id; });
                        const float coefficient = top.contains("coefficient") && top["coefficient"].is_number()
                                                      ? top["coefficient"].get<float>() : 1.0f;
                        if (it != run.crops.end()) ranked.emplace_back(coefficient, &*it);
                    }
                if (ranked.empty()) {
                    for (const auto& crop : run.crops)
                        if (crop.coefficients.data.size() == rank && c->index >= 0 && static_cast<size_t>(c->index) < rank)
                            ranked.emplace_back(crop.coefficients.data[c->index], &crop);
                    std::stable_sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) { return a.first > b.first; });
                }
                std::string unresolved;
                int listed = 0;
                for (const auto& [coefficient, crop] : ranked) {
                    if (listed >= options_.maxCropsPerConcept || coefficient <= 0) break;
                    ++listed;
                    const std::string png = cutter_.cropPng(crop->sourceImage, crop->x, crop->y, crop->w, crop->h,
                                                            options_.thumbnailSide, color);
                    const std::string where = crop->sourceImage + " [" + std::to_string(crop->x) + ", " +
                                              std::to_string(crop->y) + ", " + std::to_string(crop->w) + ", " +
                                              std::to_string(crop->h) + "]";
                    if (png.empty()) {
                        unresolved += "<li><span class=\"mono\">" + escapeHtml(where) + "</span> coefficient " +
                                      formatNumber(coefficient, 3) + "</li>";
                        continue;
                    }
                    pngImage(png, run.conceptName(*c) + " crop", where + " coefficient " + formatNumber(coefficient, 3));
                    out_ << ' ';
                    ++pictures;
                }
                if (!unresolved.empty())
                    out_ << "</p><p class=\"note\">Source images not readable now; crops by box:</p><ul>" << unresolved
                         << "</ul><p>";
            }
            anyPicture = anyPicture || pictures > 0;
            out_ << "</p></div>\n";
        }
        if (static_cast<int>(top.size()) > options_.maxConceptsWithCrops)
            out_ << "<p class=\"note\">" << top.size() - options_.maxConceptsWithCrops
                 << " less important concepts not shown.</p>\n";
        if (!anyPicture) out_ << "<p class=\"note\">No crop pictures are available for this run.</p>\n";
    }

    std::string mapCaption(const store::ArtifactRecord& a) const {
        std::string caption = a.kindText() + ": " + a.name;
        const json meta = parseStoredJson(a.metadataJson);
        if (meta.is_object())
            for (const char* key : {"map_type", "method"})
                if (meta.contains(key)) caption += ", " + jsonScalarText(meta[key]);
        return caption;
    }

    void mapPicture(const store::ArtifactRecord& a, int maxSide) {
        auto full = store_.artifact(a.id);
        if (!full) return;
        const std::string png = reframePng(full->bytes, maxSide, "#ffffff", 0);
        if (png.empty()) return;
        const std::string caption = mapCaption(a);
        if (print()) {
            pngImage(png, caption);
            out_ << " ";
        } else {
            out_ << "<figure>";
            pngImage(png, caption);
            out_ << "<figcaption>" << escapeHtml(caption) << "</figcaption></figure>";
        }
    }

    // One panel per image: its overlays side by side (projection first, then the implicit-
    // differentiation maps), for the first few images; per-concept heatmaps only when a run
    // stored no overlays.
    void renderMaps(const RunData& run) {
        heading(run, kSectionMaps);
        const auto maps = run.artifactsWithRole(ArtifactRole::AttributionMap);
        if (maps.empty()) {
            out_ << "<p class=\"note\">This run stored no attribution maps.</p>\n";
            return;
        }
        auto imageOf = [](const store::ArtifactRecord* a) {
            const json meta = parseStoredJson(a->metadataJson);
            if (meta.is_object() && meta.contains("image") && meta["image"].is_string()) return meta["image"].get<std::string>();
            return a->name.substr(0, a->name.find('#'));
        };
        auto typeRank = [](const store::ArtifactRecord* a) {
            const json meta = parseStoredJson(a->metadataJson);
            const std::string type = meta.is_object() && meta.contains("map_type") ? jsonScalarText(meta["map_type"]) : "";
            return type == "projection" || type.empty() ? 0 : 1;
        };
        std::vector<const store::ArtifactRecord*> overlays;
        for (const auto* a : maps)
            if (a->kind == store::ArtifactKind::Overlay) overlays.push_back(a);
        const auto& shown = overlays.empty() ? maps : overlays;
        std::vector<std::string> images;
        std::map<std::string, std::vector<const store::ArtifactRecord*>> byImage;
        for (const auto* a : shown) {
            const std::string image = imageOf(a);
            if (!byImage.count(image)) images.push_back(image);
            byImage[image].push_back(a);
        }
        const int panels = overlays.empty() ? options_.maxMapPanels : std::max(1, options_.maxMapPanels / 2);
        int panel = 0;
        for (const auto& image : images) {
            if (panel++ >= panels) break;
            auto& list = byImage[image];
            std::stable_sort(list.begin(), list.end(), [&](auto* a, auto* b) { return typeRank(a) < typeRank(b); });
            out_ << "<p><b>" << escapeHtml(image) << "</b></p><p class=\"maps\">";
            // The picture itself first, when the engine stored it (kind "image", metadata "source").
            for (const auto* a : run.artifactsWithRole(ArtifactRole::OtherImage))
                if (imageOf(a) == image || parseStoredJson(a->metadataJson).value("source", std::string()) == image) {
                    mapPicture(*a, 240);
                    shownSources_.insert(a->id);
                    break;
                }
            int pictures = 0;
            for (const auto* a : list) {
                if (pictures++ >= 4) break;
                mapPicture(*a, 240);
            }
            out_ << "</p>\n";
        }
        if (static_cast<int>(images.size()) > panels || maps.size() > shown.size())
            out_ << "<p class=\"note\">" << maps.size() << " maps in the project for " << byImage.size()
                 << " images; concept-studio-cli export --what png writes them all.</p>\n";
    }

    json conceptTree(const RunData& run) {
        std::map<std::optional<int64_t>, std::vector<const store::ConceptRecord*>> children;
        for (const auto& c : run.concepts) children[c.parentId].push_back(&c);
        std::function<json(const store::ConceptRecord*)> node = [&](const store::ConceptRecord* c) {
            json n{{"name", run.conceptName(*c)}, {"weight", std::max(c->importance, 0.0)}, {"layer", c->layer}};
            if (!c->parentId) n["color"] = conceptColor(run, *c);
            auto it = children.find(c->id);
            if (it != children.end()) {
                json kids = json::array();
                for (const auto* k : it->second) kids.push_back(node(k));
                n["children"] = kids;
            }
            return n;
        };
        json root{{"name", run.className().empty() ? "run " + std::to_string(run.run.id) : run.className()}};
        json kids = json::array();
        for (const auto* c : run.topConcepts()) kids.push_back(node(c));
        root["children"] = kids;
        return root;
    }

    void renderTree(const json& tree) {
        const std::string svg = hierarchyPictureSvg(tree, 640);
        if (!svg.empty()) figure(svg, hierarchyPictureMethod() + ": area of each region = its share of its parent.");
        out_ << "<ul class=\"tree\">";
        renderTreeList(tree, 0);
        out_ << "</ul>\n";
    }

    void renderTreeList(const json& node, int depth) {
        if (!node.is_object()) return;
        out_ << "<li>" << escapeHtml(node.contains("name") ? jsonScalarText(node["name"]) : std::string("(unnamed)"));
        if (node.contains("weight") && node["weight"].is_number())
            out_ << " <span class=\"note\">" << formatNumber(node["weight"].get<double>(), 3) << "</span>";
        if (node.contains("layer") && node["layer"].is_string())
            out_ << " <span class=\"note\">@" << escapeHtml(node["layer"].get<std::string>()) << "</span>";
        auto it = node.find("children");
        if (it != node.end() && it->is_array() && !it->empty()) {
            if (depth >= 5) {
                out_ << " <span class=\"note\">(" << it->size() << " children not shown)</span>";
            } else {
                out_ << "<ul>";
                size_t listed = 0;
                for (const auto& child : *it) {
                    if (listed++ >= 40) {
                        out_ << "<li class=\"note\">… " << it->size() - 40 << " more</li>";
                        break;
                    }
                    renderTreeList(child, depth + 1);
                }
                out_ << "</ul>";
            }
        }
        out_ << "</li>";
    }

    // A tree stored as {"nodes": [{"id", "parent", ...}]} (flat) becomes the nested
    // {"name", "weight", "children"} form; a nested tree passes through.
    static json nestedTree(const json& stored) {
        if (!stored.is_object() || !stored.contains("nodes") || !stored["nodes"].is_array()) return stored;
        std::map<int64_t, json> nodes;
        std::map<int64_t, std::vector<int64_t>> children;
        std::vector<int64_t> roots, order;
        for (const auto& n : stored["nodes"]) {
            if (!n.is_object() || !n.contains("id") || !n["id"].is_number_integer()) continue;
            const int64_t id = n["id"].get<int64_t>();
            json node = {{"name", n.contains("name") ? jsonScalarText(n["name"])
                                  : n.contains("label") ? jsonScalarText(n["label"])
                                  : "node " + std::to_string(n.value("index", id))}};
            for (const char* key : {"weight", "importance"})
                if (n.contains(key) && n[key].is_number()) {
                    node["weight"] = n[key];
                    break;
                }
            if (n.contains("layer")) node["layer"] = n["layer"];
            nodes[id] = node;
            order.push_back(id);
            if (n.contains("parent") && n["parent"].is_number_integer()) children[n["parent"].get<int64_t>()].push_back(id);
            else roots.push_back(id);
        }
        std::function<json(int64_t, int)> build = [&](int64_t id, int depth) {
            json node = nodes[id];
            if (depth < 64 && children.count(id)) {
                json kids = json::array();
                for (int64_t k : children[id]) kids.push_back(build(k, depth + 1));
                node["children"] = kids;
            }
            return node;
        };
        json root = {{"name", "tree"}, {"children", json::array()}};
        for (int64_t id : roots) root["children"].push_back(build(id, 0));
        return root;
    }

    bool renderHierarchyArtifacts(const RunData& run, const char* title) {
        const auto trees = run.artifactsWithRole(ArtifactRole::Hierarchy);
        if (trees.empty()) return false;
        heading(run, title);
        for (const auto* a : trees) {
            auto full = store_.artifact(a->id);
            if (!full) continue;
            const json tree = nestedTree(parseStoredJson(full->bytes));
            out_ << "<p class=\"note\">" << escapeHtml(a->kindText() + ": " + a->name) << "</p>\n";
            if (tree.is_object() && !tree.contains("unparsed")) {
                renderTree(tree.contains("tree") && tree["tree"].is_object() ? tree["tree"] : tree);
            } else {
                out_ << "<p class=\"error\">The stored hierarchy is not valid JSON.</p>\n";
            }
        }
        return true;
    }

    void renderConceptHierarchy(const RunData& run) {
        const bool hasSubConcepts =
            std::any_of(run.concepts.begin(), run.concepts.end(), [](const auto& c) { return c.parentId.has_value(); });
        // The concepts table is the tree (with labels and colours); a stored tree artifact is
        // the fallback for a run that has no concept rows.
        if (run.concepts.empty() && renderHierarchyArtifacts(run, kSectionHierarchy)) return;
        heading(run, kSectionHierarchy);
        if (run.concepts.empty()) {
            out_ << "<p class=\"note\">No concepts.</p>\n";
            return;
        }
        if (!hasSubConcepts)
            out_ << "<p class=\"note\">The run was not recursive (no --recursive-layers): one level of concepts.</p>\n";
        renderTree(conceptTree(run));
    }

    void renderFaithfulness(const RunData& run) {
        heading(run, kSectionFaithfulness);
        std::vector<std::pair<std::string, json>> sources;
        for (const auto* a : run.artifactsWithRole(ArtifactRole::Curve))
            if (auto full = store_.artifact(a->id)) sources.emplace_back(a->name, parseStoredJson(full->bytes));
        // The engine may keep the same record in the summary too: show it once.
        if (sources.empty() && run.summary.is_object() && run.summary.contains("faithfulness"))
            sources.emplace_back("summary", run.summary["faithfulness"]);
        if (sources.empty()) {
            out_ << "<p class=\"note\">This run stored no faithfulness curves.</p>\n";
            return;
        }
        for (const auto& [name, record] : sources) {
            std::vector<Series> series;
            std::vector<std::pair<std::string, double>> scalars;
            collectCurves(record, "", series, scalars);
            for (auto& s : series) s.dashed = s.name.find("random") != std::string::npos;
            if (!series.empty())
                figure(lineChartSvg(series, "fraction of concepts removed / added", "class logit"),
                       "Concept deletion and insertion curves (" + name + ").");
            if (!scalars.empty()) {
                out_ << tableOpen() << "<tr><th>Measure</th><th>Value</th></tr>";
                for (const auto& [key, value] : scalars)
                    out_ << "<tr><td>" << escapeHtml(key) << "</td><td class=\"num\">" << formatNumber(value) << "</td></tr>";
                out_ << "</table>\n";
            }
            if (series.empty() && scalars.empty()) renderJson(record, 0);
        }
    }

    void renderSaeMetrics(const RunData& run) {
        heading(run, kSectionSaeMetrics);
        out_ << tableOpen();
        static const std::vector<std::pair<const char*, const char*>> known = {
            {"latents", "Latents"},
            {"k", "k (active latents per state)"},
            {"fvu", "FVU (fraction of variance unexplained)"},
            {"dead_fraction", "Dead latents (fraction)"},
            {"l0", "L0"},
            {"ndcg10_model", "NDCG@10, model"},
            {"ndcg10_reconstructed", "NDCG@10, reconstruction substituted"},
            {"hr10_model", "HR@10, model"},
            {"hr10_reconstructed", "HR@10, reconstruction substituted"},
        };
        std::set<std::string> done{"latents", "timings_s", "run_id", "versions", "environment"};
        for (const auto& [key, label] : known) {
            if (!run.summary.is_object() || !run.summary.contains(key)) continue;
            const json& v = run.summary[key];
            if (v.is_array()) continue;  // "latents" is also the per-latent list in some summaries
            out_ << row(label, escapeHtml(jsonScalarText(v)));
            done.insert(key);
        }
        if (run.summary.is_object())
            for (auto it = run.summary.begin(); it != run.summary.end(); ++it)
                if (!done.count(it.key()) && !it.value().is_structured())
                    out_ << row(it.key(), escapeHtml(jsonScalarText(it.value())));
        const auto confident =
            std::count_if(run.latents.begin(), run.latents.end(), [](const auto& l) { return l.confidence >= 0.8; });
        const auto dead =
            std::count_if(run.latents.begin(), run.latents.end(), [](const auto& l) { return l.frequency <= 0.0; });
        out_ << row("Latents stored", std::to_string(run.latents.size()))
             << row("Latents with confidence ≥ 0.8", std::to_string(confident))
             << row("Latents never active (frequency 0)", std::to_string(dead)) << "</table>\n";
        for (const auto* a : run.artifactsWithRole(ArtifactRole::Curve)) {
            auto full = store_.artifact(a->id);
            if (!full) continue;
            std::vector<Series> series;
            std::vector<std::pair<std::string, double>> scalars;
            collectCurves(parseStoredJson(full->bytes), "", series, scalars);
            if (!series.empty()) figure(lineChartSvg(series, "fraction of training", "value"), a->kindText() + ": " + a->name);
        }
        if (run.latents.empty()) return;
        // Density histogram of log10 activation frequency (the SAE dashboards' standard view).
        const int bins = 8;
        const double lo = -6.0, hi = 0.0;
        std::vector<int> counts(bins, 0);
        int zero = 0;
        for (const auto& l : run.latents) {
            if (l.frequency <= 0) {
                ++zero;
                continue;
            }
            const double v = std::clamp(std::log10(l.frequency), lo, hi - 1e-9);
            ++counts[static_cast<int>((v - lo) / (hi - lo) * bins)];
        }
        std::vector<Bar> bars;
        bars.push_back({"dead (0)", static_cast<double>(zero), 0, "#bab0ac"});
        for (int b = 0; b < bins; ++b)
            bars.push_back({"10^" + formatNumber(lo + b * (hi - lo) / bins, 2) + " … 10^" +
                                formatNumber(lo + (b + 1) * (hi - lo) / bins, 2),
                            static_cast<double>(counts[b]), 0, "#4e79a7"});
        figure(barChartSvg(bars, "number of latents"), "Latent density: how often each latent is active (log10).");
    }

    void renderLatents(const RunData& run) {
        heading(run, kSectionLatents);
        if (run.latents.empty()) {
            out_ << "<p class=\"note\">This run stored no latents.</p>\n";
            return;
        }
        std::vector<const store::LatentRecord*> sorted;
        for (const auto& l : run.latents) sorted.push_back(&l);
        std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) {
            return a->confidence != b->confidence ? a->confidence > b->confidence : a->frequency > b->frequency;
        });
        out_ << "<p>Sorted by confidence. " << std::min<size_t>(sorted.size(), options_.maxLatentRows) << " of "
             << sorted.size() << " latents shown; the complete table is in latents.csv (concept-studio-cli export).</p>\n";
        out_ << tableOpen()
             << "<tr><th>Latent</th><th>Label</th><th>Frequency</th><th>Confidence</th><th>Precision</th><th>Recall</th>"
                "<th>Tags</th></tr>";
        int listed = 0;
        for (const auto* l : sorted) {
            if (listed++ >= options_.maxLatentRows) break;
            std::string tags;
            for (const auto& tag : latentTags(*l)) tags += (tags.empty() ? "" : ", ") + escapeHtml(tag);
            const auto* label = run.userLabel(store::LabelTarget::Latent, l->id);
            out_ << "<tr><td class=\"num\">" << l->index << "</td><td>" << (label ? escapeHtml(label->text) : "")
                 << userNote(run, store::LabelTarget::Latent, l->id) << "</td><td class=\"num\">" << formatNumber(l->frequency, 3)
                 << "</td><td class=\"num\">" << formatNumber(l->confidence, 3) << "</td><td class=\"num\">"
                 << formatNumber(l->precision, 3) << "</td><td class=\"num\">" << formatNumber(l->recall, 3)
                 << "</td><td>" << tags << "</td></tr>";
        }
        out_ << "</table>\n";
    }

    void renderAblation(const RunData& run) {
        heading(run, kSectionAblation);
        bool any = false;
        const auto ablations = run.artifactsWithRole(ArtifactRole::Ablation);
        int shown = 0;
        for (const auto* a : ablations) {
            if (shown++ >= 8) {
                out_ << "<p class=\"note\">" << ablations.size() - 8
                     << " more ablations in the project (concept-studio-cli export --what json).</p>\n";
                break;
            }
            auto full = store_.artifact(a->id);
            if (!full) continue;
            out_ << "<p><b>" << escapeHtml(a->name) << "</b></p>\n";
            renderJson(parseStoredJson(full->bytes), 0);
            any = true;
        }
        for (const auto& l : run.latents) {
            const json meta = parseStoredJson(l.metadataJson);
            if (!meta.is_object() || !meta.contains("ablation")) continue;
            out_ << "<p><b>Latent " << l.index << "</b></p>\n";
            renderJson(meta["ablation"], 0);
            any = true;
        }
        if (run.summary.is_object() && run.summary.contains("ablation")) {
            renderJson(run.summary["ablation"], 0);
            any = true;
        }
        if (!any)
            out_ << "<p class=\"note\">No ablation was run for this analysis (the GUI's SAE dashboard runs one per "
                    "latent).</p>\n";
    }

    // Generic, escaped rendering of engine JSON whose exact shape the report does not know:
    // objects as key/value tables, arrays of objects as tables, scalars as text.
    void renderJson(const json& value, int depth) {
        if (depth > 4) {
            out_ << "<span class=\"mono\">" << escapeHtml(value.dump().substr(0, 200)) << "</span>";
            return;
        }
        if (value.is_object()) {
            out_ << tableOpen();
            for (auto it = value.begin(); it != value.end(); ++it) {
                out_ << "<tr><th>" << escapeHtml(it.key()) << "</th><td>";
                if (it.value().is_structured()) renderJson(it.value(), depth + 1);
                else out_ << escapeHtml(jsonScalarText(it.value()));
                out_ << "</td></tr>";
            }
            out_ << "</table>";
        } else if (value.is_array()) {
            const bool objects = !value.empty() && std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_object(); });
            if (!objects) {
                std::string text;
                size_t n = 0;
                for (const auto& v : value) {
                    if (n++ >= 50) {
                        text += ", …";
                        break;
                    }
                    text += (text.empty() ? "" : ", ") + (v.is_structured() ? v.dump() : jsonScalarText(v));
                }
                out_ << escapeHtml(text);
                return;
            }
            std::vector<std::string> columns;
            for (const auto& v : value)
                for (auto it = v.begin(); it != v.end(); ++it)
                    if (std::find(columns.begin(), columns.end(), it.key()) == columns.end()) columns.push_back(it.key());
            out_ << tableOpen() << "<tr>";
            for (const auto& c : columns) out_ << "<th>" << escapeHtml(c) << "</th>";
            out_ << "</tr>";
            size_t n = 0;
            for (const auto& v : value) {
                if (n++ >= 50) break;
                out_ << "<tr>";
                for (const auto& c : columns) {
                    out_ << "<td>";
                    if (v.contains(c)) {
                        if (v[c].is_structured()) renderJson(v[c], depth + 1);
                        else out_ << escapeHtml(jsonScalarText(v[c]));
                    }
                    out_ << "</td>";
                }
                out_ << "</tr>";
            }
            out_ << "</table>";
            if (value.size() > 50) out_ << "<p class=\"note\">" << value.size() - 50 << " more rows.</p>";
        } else {
            out_ << escapeHtml(jsonScalarText(value));
        }
        out_ << "\n";
    }

    void renderSummary(const RunData& run) {
        if (!run.summary.is_object() || run.summary.empty()) return;
        heading(run, "Summary");
        renderJson(run.summary, 0);
    }

    void renderOtherPictures(const RunData& run) {
        std::vector<const store::ArtifactRecord*> pictures;
        for (const auto* a : run.artifactsWithRole(ArtifactRole::OtherImage))
            if (!shownSources_.count(a->id)) pictures.push_back(a);
        if (pictures.empty()) return;
        heading(run, kSectionOtherPictures);
        out_ << "<p class=\"maps\">";
        int shown = 0;
        for (const auto* a : pictures) {
            if (shown >= options_.maxOtherImages) break;
            auto full = store_.artifact(a->id);
            if (!full) continue;
            const std::string png = reframePng(full->bytes, 300, "#ffffff", 0);
            if (png.empty()) continue;
            pngImage(png, a->kindText() + ": " + a->name);
            out_ << ' ';
            ++shown;
        }
        out_ << "</p>\n";
    }

    void renderTensors(const RunData& run) {
        const auto tensors = run.artifactsWithRole(ArtifactRole::Tensor);
        if (tensors.empty()) return;
        heading(run, kSectionTensors);
        out_ << tableOpen() << "<tr><th>Kind</th><th>Name</th><th>Shape</th></tr>";
        size_t listed = 0;
        for (const auto* a : tensors) {
            if (listed++ >= 24) {
                out_ << "<tr><td colspan=\"3\" class=\"note\">… " << tensors.size() - 24 << " more</td></tr>";
                break;
            }
            // The listing carries no payload; the shape comes with the full record.
            const auto full = store_.artifact(a->id);
            const std::string shape = full && full->tensor ? full->tensor->shapeText() : std::string("?");
            out_ << "<tr><td>" << escapeHtml(a->kindText()) << "</td><td>" << escapeHtml(a->name) << "</td><td class=\"mono\">"
                 << escapeHtml(shape) << "</td></tr>";
        }
        out_ << "</table><p class=\"note\">concept-studio-cli export --what npy writes them as NumPy files.</p>\n";
    }

    void renderReproducibility(const RunData& run) {
        heading(run, kSectionReproducibility);
        out_ << tableOpen();
        std::string seeds;
        for (const json* source : {&run.parameters, &run.summary})
            if (source->is_object())
                for (auto it = source->begin(); it != source->end(); ++it)
                    if (it.key().find("seed") != std::string::npos && !it.value().is_structured())
                        seeds += (seeds.empty() ? "" : ", ") + it.key() + " = " + jsonScalarText(it.value());
        out_ << row("Seeds", seeds.empty() ? "<span class=\"note\">none recorded</span>" : escapeHtml(seeds))
             << row("Created", escapeHtml(run.run.createdAt)) << row("Started", escapeHtml(run.run.startedAt))
             << row("Finished", escapeHtml(run.run.finishedAt))
             << row("Project schema version", std::to_string(store_.schemaVersion()));
        if (run.summary.is_object() && run.summary.contains("timings_s") && run.summary["timings_s"].is_object())
            for (auto it = run.summary["timings_s"].begin(); it != run.summary["timings_s"].end(); ++it)
                out_ << row("Time: " + it.key() + " (s)", escapeHtml(jsonScalarText(it.value())));
        for (const char* key : {"versions", "environment", "build"})
            if (run.summary.is_object() && run.summary.contains(key) && run.summary[key].is_object())
                for (auto it = run.summary[key].begin(); it != run.summary[key].end(); ++it)
                    out_ << row("Run recorded: " + it.key(), escapeHtml(jsonScalarText(it.value())));
        for (const auto& [name, version] : buildVersions())
            out_ << row("Report built with " + name, escapeHtml(version));
        out_ << "</table>\n<p class=\"note\">To reproduce: the same model file (check its SHA-256), the same data, "
                "the parameters above and the seed.</p>\n";
    }

    const store::ProjectStore& store_;
    const ReportOptions& options_;
    std::ostringstream out_;
    std::set<int64_t> shownSources_;  // source pictures already shown beside their maps
    CropCutter cutter_;
};

}  // namespace

std::vector<std::string> reportSectionTitles() {
    return {kSectionModel,        kSectionParameters, kSectionImportance, kSectionCrops,
            kSectionMaps,         kSectionHierarchy,  kSectionFaithfulness, kSectionSaeMetrics,
            kSectionLatents,      kSectionAblation,   kSectionLatentHierarchy, kSectionOtherPictures,
            kSectionTensors,      kSectionReproducibility};
}

std::vector<std::pair<std::string, std::string>> buildVersions() {
    std::vector<std::pair<std::string, std::string>> rows;
    rows.emplace_back("ConceptStudio", CS_VERSION_STRING);
#ifdef TORCH_VERSION
    rows.emplace_back("LibTorch", TORCH_VERSION);
#endif
    rows.emplace_back("OpenCV", CV_VERSION);
    rows.emplace_back("SQLite", sqlite3_libversion());
    rows.emplace_back("nlohmann-json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                                           std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                                           std::to_string(NLOHMANN_JSON_VERSION_PATCH));
#ifdef __VERSION__
    rows.emplace_back("Compiler", __VERSION__);
#endif
    return rows;
}

std::string renderHtmlReport(const store::ProjectStore& store, const ReportOptions& options) {
    ReportWriter writer(store, options);
    return writer.render();
}

}  // namespace cs::report
