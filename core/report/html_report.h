#pragma once
// The HTML report of a project's runs: one self-contained file (CSS inline, pictures as
// data: URIs, charts as inline SVG, no script and no external request) with, per run, the
// model and data summary, parameters, and what the run holds: CRAFT importance chart, best
// crops per concept, attribution maps, the concept hierarchy and faithfulness curves; RecSAE
// metrics, the latent table, ablation results and the latent hierarchy; and a
// reproducibility section. Every string from the project is HTML-escaped.
#include "store/project_store.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cs::report {

enum class ReportFlavor {
    Browser,  // inline <svg>, modern CSS
    Print,    // HTML subset Qt's QTextDocument lays out for the PDF: charts as SVG <img>, tables
};

struct ReportOptions {
    std::vector<int64_t> runIds;  // empty: every finished run
    ReportFlavor flavor = ReportFlavor::Browser;
    int maxConceptsWithCrops = 12;
    int maxCropsPerConcept = 8;
    int maxMapPanels = 6;
    int maxLatentRows = 200;
    int maxOtherImages = 12;
    int thumbnailSide = 96;
    std::string generatedAt;  // ISO-8601 stamp; empty = now (UTC)
};

// The section titles a run's part of the report can hold, in order (for tests and docs).
std::vector<std::string> reportSectionTitles();

// Renders the report; cs::Error naming the project when a requested run does not exist.
std::string renderHtmlReport(const store::ProjectStore& store, const ReportOptions& options);

// Versions of the program and libraries this report generator was built with, as
// (name, version) rows: ConceptStudio, LibTorch, OpenCV, SQLite, nlohmann-json, compiler.
std::vector<std::pair<std::string, std::string>> buildVersions();

}  // namespace cs::report
