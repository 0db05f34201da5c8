#pragma once
// Exports of a run's data for other tools: CSV and JSON tables of concept importances and
// SAE latents, NumPy .npy files of concept vectors (W), crop coefficients (U) and every
// stored tensor (e.g. SAE weights), and a batch export of all pictures the run stored.
// Files go to <outDir>/run-<id>/; every write is atomic; errors name the file.
#include "store/project_store.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cs::report {

struct ExportSelection {
    bool csv = true, json = true, npy = true, png = true;
};

// "csv,json,npy,png" (any subset, any order, "all"); cs::UsageError on an unknown name.
ExportSelection parseExportSelection(const std::string& list);

// Writes the selected files and returns their paths (sorted). cs::Error naming the project
// when the run does not exist, or naming the file when it cannot be written.
std::vector<std::string> exportRun(const store::ProjectStore& store, int64_t runId, const std::string& outDir,
                                   const ExportSelection& selection);

}  // namespace cs::report
