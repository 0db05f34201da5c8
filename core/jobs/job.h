#pragma once
// Jobs: long engine work (CRAFT, RecSAE, training) with progress and cancel, in the manner
// of QGIS's QgsTask but without Qt: run() executes on the engine's worker thread, reports
// progress through a thread-safe callback, and polls a CancelToken between batches.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace cs::jobs {

struct Progress {
    std::string stage;      // e.g. "activations", "nmf", "sobol"
    double fraction = 0.0;  // 0..1 of the whole job
    std::string message;    // human-readable detail
};

using ProgressCallback = std::function<void(const Progress&)>;

class CancelToken {
public:
    void cancel() { cancelled_.store(true); }
    bool cancelled() const { return cancelled_.load(); }
    // Throws cs::Cancelled when cancel() was called; call between batches.
    void throwIfCancelled() const;

private:
    std::atomic<bool> cancelled_{false};
};

// What a running job sees: progress reporting and the cancellation token.
class JobContext {
public:
    JobContext(std::shared_ptr<CancelToken> token, ProgressCallback onProgress);
    // Rate-limited (~20 Hz) so tight loops can call it freely; stage changes, completion and
    // restarts always pass. Call from the job's own thread.
    void report(const std::string& stage, double fraction, const std::string& message = {});
    void checkCancelled() const { token_->throwIfCancelled(); }
    bool cancelled() const { return token_->cancelled(); }
    const std::shared_ptr<CancelToken>& token() const { return token_; }

private:
    std::shared_ptr<CancelToken> token_;
    ProgressCallback onProgress_;
    std::chrono::steady_clock::time_point lastReport_{};
    double lastFraction_ = -1.0;
    std::string lastStage_;
};

class Job {
public:
    virtual ~Job() = default;
    virtual std::string name() const = 0;
    // Runs on the engine thread. Throws cs::Error on failure, cs::Cancelled on cancel.
    virtual void run(JobContext& context) = 0;
};

// A Job from a lambda, for small work and tests.
class FunctionJob : public Job {
public:
    FunctionJob(std::string name, std::function<void(JobContext&)> body)
        : name_(std::move(name)), body_(std::move(body)) {}
    std::string name() const override { return name_; }
    void run(JobContext& context) override { body_(context); }

private:
    std::string name_;
    std::function<void(JobContext&)> body_;
};

enum class JobState { Queued, Running, Done, Failed, Cancelled };
const char* toString(JobState state);

}  // namespace cs::jobs
