#include "cli_support.h"

#include "common/error.h"
#include "common/message_text.h"
#include "common/output_file.h"
#include "model/compute_backend.h"
#include "model/model_loader.h"
#include "store/stored_run.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>

namespace cs::cli {

namespace {
std::atomic<jobs::JobHandle*> g_runningJob{nullptr};
std::atomic<bool> g_interrupted{false};

void onSignal(int) {
    g_interrupted = true;  // only async-signal-safe work here; the waiter cancels the job
}

// Estimates the time left from the pace of the progress fraction. A job whose fraction falls
// back (a new stage counted from 0) starts a new estimate, so a job with one overall fraction
// (the demo) gets an estimate for the whole, and one with a fraction per stage an estimate per
// stage.
class TimeLeft {
public:
    // Seconds left, or a negative number while there is too little progress to tell.
    double update(double fraction) {
        const auto now = std::chrono::steady_clock::now();
        if (fraction + 1e-9 < lastFraction_ || lastFraction_ < 0) {
            start_ = now;
            startFraction_ = fraction;
        }
        lastFraction_ = fraction;
        const double elapsed = std::chrono::duration<double>(now - start_).count();
        const double done = fraction - startFraction_;
        if (elapsed < 2.0 || done < 0.02) return -1.0;
        return elapsed * std::max(0.0, 1.0 - fraction) / done;
    }

private:
    std::chrono::steady_clock::time_point start_{};
    double startFraction_ = 0.0, lastFraction_ = -1.0;
};

// "1m05s left", "40s left", or "" while unknown.
std::string formatTimeLeft(double seconds) {
    if (seconds < 0) return {};
    const long rounded = std::lround(seconds);
    char text[32];
    if (rounded >= 60) std::snprintf(text, sizeof text, "%ldm%02lds left", rounded / 60, rounded % 60);
    else std::snprintf(text, sizeof text, "%lds left", rounded);
    return text;
}
// Outside a job (start-up, parsing, reading inputs) there is nothing to cancel cleanly: leave at
// once, as the default action would, but with the exit code of a cancel.
void onSignalOutsideJob(int) { _exit(130); }
}  // namespace

void installCancelSignals() {
    // Also replaces SIG_IGN: a shell starts background commands with SIGINT ignored, and a
    // signal that arrives before the first job would otherwise be lost.
    struct sigaction action {};
    action.sa_handler = onSignalOutsideJob;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

void initEngineThread() {
    model::configureTorchThreads();
    // Said once per process, where the user sees it: a run on the reference BLAS is ~20x slower.
    static const bool warned = [] {
        const std::string warning = model::detectComputeBackend().warning();
        if (!warning.empty()) std::fprintf(stderr, "concept-studio-cli: warning: %s\n", warning.c_str());
        return true;
    }();
    (void)warned;
}

jobs::JobOutcome runJobWithProgress(std::unique_ptr<jobs::Job> job) {
    // CS_PROGRESS=jsonl: one JSON object per progress report, for the GUI that runs us as a subprocess.
    const char* progressMode = std::getenv("CS_PROGRESS");
    const bool jsonLines = progressMode && std::strcmp(progressMode, "jsonl") == 0;
    const bool tty = !jsonLines && isatty(STDERR_FILENO);
    std::mutex printMutex;
    std::string lastStage;
    int lastPercent = -1;
    TimeLeft timeLeft;
    auto onProgress = [&](const jobs::Progress& p) {
        std::lock_guard<std::mutex> lock(printMutex);
        const int percent = static_cast<int>(p.fraction * 100.0 + 0.5);
        const std::string left = formatTimeLeft(timeLeft.update(p.fraction));
        if (jsonLines) {
            const nlohmann::json line = {{"stage", p.stage}, {"fraction", p.fraction}, {"message", p.message}};
            // Invalid UTF-8 in a message (e.g. a file name) must not abort the job.
            std::fprintf(stderr, "%s\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
            std::fflush(stderr);
        } else if (tty) {
            const int width = 30;
            const int filled = std::max(0, std::min(width, static_cast<int>(p.fraction * width)));
            std::fprintf(stderr, "\r[%s%s] %3d%% %-11.11s %-16s %-40.40s", std::string(filled, '#').c_str(),
                         std::string(width - filled, '.').c_str(), percent, left.c_str(), p.stage.c_str(),
                         p.message.c_str());
            std::fflush(stderr);
        } else if (p.stage != lastStage || percent / 10 != lastPercent / 10) {
            // Plain lines for logs: one per stage change and per 10%.
            std::fprintf(stderr, "%s %d%% %s%s\n", p.stage.c_str(), percent, p.message.c_str(),
                         left.empty() ? "" : (" (" + left + ")").c_str());
        }
        lastStage = p.stage;
        lastPercent = percent;
    };

    struct sigaction action {};
    action.sa_handler = onSignal;
    struct sigaction oldInt {}, oldTerm {};
    sigaction(SIGINT, &action, &oldInt);
    sigaction(SIGTERM, &action, &oldTerm);

    jobs::Engine engine(initEngineThread);
    jobs::JobCallbacks callbacks;
    callbacks.onProgress = onProgress;
    jobs::JobHandle handle = engine.submit(std::move(job), callbacks);
    // Ctrl-C before the job has opened a run: the process ends at once. After: the job stops at its
    // next cancellation check and its run is stored `cancelled`. A job stuck in a call that cannot
    // be interrupted (one long LibTorch operation) is abandoned after a grace period; its run then
    // stays `running` with this process as owner, and the next open of the project marks it
    // `interrupted`, as after a kill. The grace is long enough that a loaded machine still records
    // a clean cancel (0.8 s did not: a GUI cancel under load left runs interrupted instead of cancelled).
    using Clock = std::chrono::steady_clock;
    constexpr auto kCancelGrace = std::chrono::seconds(5);
    std::optional<Clock::time_point> cancelledAt;
    while (!handle.waitFor(std::chrono::milliseconds(50))) {
        if (!g_interrupted) continue;
        if (!cancelledAt && store::runsInProgress() == 0) {
            // No run is open yet (models and data still loading): nothing to mark, so leave at once
            // rather than wait for a load that cannot be interrupted. The project's writes are
            // SQLite transactions and output files are renamed into place, so none is half-written.
            std::fprintf(stderr, "%sconcept-studio-cli: cancelled before the run started\n", tty ? "\n" : "");
            std::fflush(nullptr);
            discardOutputsInProgress();
            std::_Exit(130);
        }
        if (!cancelledAt) {
            handle.cancel();
            cancelledAt = Clock::now();
        } else if (Clock::now() - *cancelledAt > kCancelGrace) {
            std::fprintf(stderr, "%sconcept-studio-cli: cancelled (the job did not stop within %lld s; its run is "
                                 "recorded as interrupted)\n", tty ? "\n" : "", static_cast<long long>(kCancelGrace.count()));
            std::fflush(nullptr);
            discardOutputsInProgress();
            std::_Exit(130);
        }
    }
    auto outcome = handle.wait();
    if (tty) std::fprintf(stderr, "\n");
    sigaction(SIGINT, &oldInt, nullptr);
    sigaction(SIGTERM, &oldTerm, nullptr);
    return outcome;
}

int exitCodeFor(const jobs::JobOutcome& outcome) {
    switch (outcome.state) {
        case jobs::JobState::Done: return 0;
        case jobs::JobState::Cancelled:
            std::cerr << "concept-studio-cli: cancelled\n";
            return 130;
        default:
            std::cerr << "concept-studio-cli: " << withoutBacktrace(outcome.error) << "\n";
            return 1;
    }
}

void writeJsonFile(const std::string& path, const nlohmann::json& value) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    if (path != "-" && target.has_parent_path()) {
        std::error_code ec;
        fs::create_directories(target.parent_path(), ec);
    }
    writeOutputFile(path, value.dump(2) + "\n");
}

}  // namespace cs::cli
