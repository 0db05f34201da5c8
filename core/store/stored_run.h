#pragma once
// runStored: the life of one run in the project, shared by every job that writes a run (CRAFT,
// RecSAE, the demo's runs). The run is created and marked `running` before any work; the work
// ends it with ProjectStore::completeRun (results and `done` in one transaction). When the work
// throws, the run is marked `cancelled` (cs::Cancelled) or `failed` (any other error, with its
// message) with nothing of its results written, and the exception goes on to the job's caller.
// A process killed in between leaves the run to be found `interrupted` by the next open.
#include "store/project_store.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace cs::store {

struct RunStart {
    std::string kind;                  // craft | recsae | ...
    std::string parametersJson = "{}";
    std::optional<int64_t> modelId, datasetId;
};

// Creates the run, marks it running and calls work(runId). A work that returns without
// completing the run leaves it `failed` (never `running`), so a bug cannot leave a live-looking run.
int64_t runStored(ProjectStore& store, const RunStart& start, const std::function<void(int64_t runId)>& work);

// Runs of this process between their creation and their end (done, cancelled or failed). While it
// is 0, a process that stops at once leaves no run behind to mark: the CLI ends on Ctrl-C without
// waiting for the job to reach a cancellation check (a model still loading, say).
int runsInProgress();

}  // namespace cs::store
