#include "jobs/engine.h"

#include "common/error.h"

namespace cs::jobs {

const char* toString(JobState state) {
    switch (state) {
        case JobState::Queued: return "queued";
        case JobState::Running: return "running";
        case JobState::Done: return "done";
        case JobState::Failed: return "failed";
        case JobState::Cancelled: return "cancelled";
    }
    return "unknown";
}

void CancelToken::throwIfCancelled() const {
    if (cancelled()) throw Cancelled();
}

JobContext::JobContext(std::shared_ptr<CancelToken> token, ProgressCallback onProgress)
    : token_(std::move(token)), onProgress_(std::move(onProgress)) {}

void JobContext::report(const std::string& stage, double fraction, const std::string& message) {
    if (!onProgress_) return;
    // At most ~20 reports a second, but always pass stage changes and completion through.
    const auto now = std::chrono::steady_clock::now();
    const bool due = now - lastReport_ >= std::chrono::milliseconds(50) || fraction >= 1.0 ||
                     fraction < lastFraction_ || stage != lastStage_;
    if (!due) return;
    lastReport_ = now;
    lastFraction_ = fraction;
    lastStage_ = stage;
    onProgress_(Progress{stage, fraction, message});
}

struct JobHandle::Shared {
    uint64_t id = 0;
    std::shared_ptr<CancelToken> token = std::make_shared<CancelToken>();
    mutable std::mutex mutex;
    mutable std::condition_variable finished;
    JobOutcome outcome;
    bool isFinished() const {
        return outcome.state == JobState::Done || outcome.state == JobState::Failed ||
               outcome.state == JobState::Cancelled;
    }
};

uint64_t JobHandle::id() const { return shared_ ? shared_->id : 0; }

JobState JobHandle::state() const { return outcome().state; }

JobOutcome JobHandle::outcome() const {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    return shared_->outcome;
}

void JobHandle::cancel() {
    if (shared_) shared_->token->cancel();
}

JobOutcome JobHandle::wait() const {
    std::unique_lock<std::mutex> lock(shared_->mutex);
    shared_->finished.wait(lock, [&] { return shared_->isFinished(); });
    return shared_->outcome;
}

bool JobHandle::waitFor(std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(shared_->mutex);
    return shared_->finished.wait_for(lock, timeout, [&] { return shared_->isFinished(); });
}

Engine::Engine(std::function<void()> threadInit) : threadInit_(std::move(threadInit)) {
    worker_ = std::thread([this] { loop(); });
}

Engine::~Engine() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
        for (auto& e : queue_) e.shared->token->cancel();
        if (running_) running_->token->cancel();
    }
    wake_.notify_all();
    worker_.join();
}

JobHandle Engine::submit(std::unique_ptr<Job> job, JobCallbacks callbacks) {
    JobHandle handle;
    handle.shared_ = std::make_shared<JobHandle::Shared>();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        handle.shared_->id = nextId_++;
        queue_.push_back(Entry{std::move(job), std::move(callbacks), handle.shared_});
    }
    wake_.notify_one();
    return handle;
}

size_t Engine::pending() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.size() + (running_ ? 1 : 0);
}

static void finish(JobHandle::Shared& shared, JobState state, std::string error) {
    {
        std::lock_guard<std::mutex> lock(shared.mutex);
        shared.outcome = JobOutcome{state, std::move(error)};
    }
    shared.finished.notify_all();
}

void Engine::loop() {
    if (threadInit_) threadInit_();
    for (;;) {
        Entry entry;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping with nothing left
            entry = std::move(queue_.front());
            queue_.pop_front();
            running_ = entry.shared;
        }
        auto& shared = *entry.shared;
        JobOutcome outcome;
        if (shared.token->cancelled()) {
            outcome = {JobState::Cancelled, {}};
        } else {
            {
                std::lock_guard<std::mutex> lock(shared.mutex);
                shared.outcome.state = JobState::Running;
            }
            if (entry.callbacks.onStarted) entry.callbacks.onStarted();
            JobContext context(shared.token, entry.callbacks.onProgress);
            try {
                entry.job->run(context);
                outcome = {JobState::Done, {}};
            } catch (const Cancelled&) {
                outcome = {JobState::Cancelled, {}};
            } catch (const std::exception& e) {
                outcome = {JobState::Failed, e.what()};
            } catch (...) {
                outcome = {JobState::Failed, "unknown error in job " + entry.job->name()};
            }
        }
        entry.job.reset();  // free the job's memory before anyone is told it finished
        if (entry.callbacks.onFinished) entry.callbacks.onFinished(outcome);
        finish(shared, outcome.state, outcome.error);
        std::lock_guard<std::mutex> lock(mutex_);
        running_.reset();
    }
}

}  // namespace cs::jobs
