#include "results/run_headlines.h"

#include <cmath>
#include <cstdio>

namespace cs::results {
namespace {

// The number at summary[group][key] (group empty: summary[key]); NaN when absent.
double numberAt(const nlohmann::json& summary, const char* group, const char* key) {
    const nlohmann::json* object = &summary;
    if (*group) {
        if (!summary.is_object() || !summary.contains(group)) return NAN;
        object = &summary[group];
    }
    if (!object->is_object() || !object->contains(key) || !(*object)[key].is_number()) return NAN;
    return (*object)[key].get<double>();
}

std::string formatted(double value, const char* format) {
    char text[64];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

}  // namespace

std::vector<Headline> runHeadlines(const RunData& run) {
    std::vector<Headline> out;
    const auto& s = run.summary;
    auto add = [&](const char* name, double value, const char* format) {
        if (std::isfinite(value)) out.push_back({name, formatted(value, format)});
    };
    if (run.isCraft()) {
        add("images", numberAt(s, "", "n_images"), "%.0f");
        size_t top = run.topConcepts().size();
        if (top > 0) out.push_back({"concepts", std::to_string(top)});
        add("NMF relative error", numberAt(s, "nmf", "relative_error"), "%.3f");
        const double deletion = numberAt(s, "faithfulness", "deletion_auc");
        const double deletionRandom = numberAt(s, "faithfulness", "deletion_auc_random");
        if (std::isfinite(deletion) && std::isfinite(deletionRandom))
            out.push_back({"deletion AUC (random)", formatted(deletion, "%.3f") + " (" + formatted(deletionRandom, "%.3f") + ")"});
        const double insertion = numberAt(s, "faithfulness", "insertion_auc");
        const double insertionRandom = numberAt(s, "faithfulness", "insertion_auc_random");
        if (std::isfinite(insertion) && std::isfinite(insertionRandom))
            out.push_back({"insertion AUC (random)", formatted(insertion, "%.3f") + " (" + formatted(insertionRandom, "%.3f") + ")"});
    }
    if (run.isSae()) {
        const double latents = numberAt(s, "", "n_latents");
        if (std::isfinite(latents)) add("latents", latents, "%.0f");
        else if (!run.latents.empty()) out.push_back({"latents", std::to_string(run.latents.size())});
        add("confident latents", numberAt(s, "", "confident_latents"), "%.0f");
        add("dead latents", 100.0 * numberAt(s, "", "dead_fraction"), "%.1f %%");
        add("FVU", numberAt(s, "", "fvu"), "%.3f");
        const double model = numberAt(s, "", "ndcg10_model"), through = numberAt(s, "", "ndcg10_reconstructed");
        if (std::isfinite(model) && std::isfinite(through))
            out.push_back({"NDCG@10 model / through SAE", formatted(model, "%.3f") + " / " + formatted(through, "%.3f")});
    }
    return out;
}

}  // namespace cs::results
