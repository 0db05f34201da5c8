#pragma once
// Engine: the one worker thread that owns all LibTorch work (docs/architecture.md). Jobs queue on
// it and run one at a time; callers get a handle to watch state, wait, or cancel.
#include "jobs/job.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace cs::jobs {

struct JobOutcome {
    JobState state = JobState::Queued;
    std::string error;  // message when Failed
};

class JobHandle {
public:
    uint64_t id() const;
    JobState state() const;
    JobOutcome outcome() const;
    void cancel();
    // Blocks until the job has finished (done, failed or cancelled).
    JobOutcome wait() const;
    // Waits at most `timeout`; returns true when finished.
    bool waitFor(std::chrono::milliseconds timeout) const;

    struct Shared;  // state shared with the engine; defined in engine.cpp

private:
    friend class Engine;
    std::shared_ptr<Shared> shared_;
};

struct JobCallbacks {
    ProgressCallback onProgress;                           // called on the engine thread
    std::function<void(const JobOutcome&)> onFinished;     // called on the engine thread
    std::function<void()> onStarted;                       // called on the engine thread
};

class Engine {
public:
    // threadInit runs once on the worker thread before any job (e.g. to set LibTorch threads).
    explicit Engine(std::function<void()> threadInit = {});
    ~Engine();  // cancels queued and running jobs, then joins
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    JobHandle submit(std::unique_ptr<Job> job, JobCallbacks callbacks = {});
    size_t pending() const;

private:
    void loop();
    struct Entry {
        std::unique_ptr<Job> job;
        JobCallbacks callbacks;
        std::shared_ptr<JobHandle::Shared> shared;
    };
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Entry> queue_;
    std::shared_ptr<JobHandle::Shared> running_;
    bool stopping_ = false;
    uint64_t nextId_ = 1;
    std::function<void()> threadInit_;
    std::thread worker_;
};

}  // namespace cs::jobs
