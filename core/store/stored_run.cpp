#include "store/stored_run.h"

#include "common/error.h"

#include <atomic>

namespace cs::store {

namespace {
std::atomic<int> g_runsInProgress{0};

// Counts a run from before its creation until runStored returns or throws.
struct RunInProgress {
    RunInProgress() { ++g_runsInProgress; }
    ~RunInProgress() { --g_runsInProgress; }
    RunInProgress(const RunInProgress&) = delete;
    RunInProgress& operator=(const RunInProgress&) = delete;
};
}  // namespace

int runsInProgress() { return g_runsInProgress.load(); }

int64_t runStored(ProjectStore& store, const RunStart& start, const std::function<void(int64_t runId)>& work) {
    const RunInProgress counted;
    const int64_t runId = store.createRun(start.kind, start.parametersJson, start.modelId, start.datasetId);
    store.markRunning(runId);
    try {
        work(runId);
    } catch (const Cancelled&) {
        store.markCancelled(runId);
        throw;
    } catch (const std::exception& e) {
        store.markFailed(runId, e.what());
        throw;
    }
    const auto run = store.run(runId);
    if (run && run->status == RunStatus::Running) store.markFailed(runId, "the job ended without storing its results");
    return runId;
}

}  // namespace cs::store
