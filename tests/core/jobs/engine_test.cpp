#include "jobs/engine.h"

#include "common/error.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace cs::jobs;
using namespace std::chrono_literals;

TEST(Engine, RunsJobsInOrderOnOneWorkerThread) {
    Engine engine;
    std::vector<int> order;
    std::mutex m;
    std::thread::id first, second;
    auto a = engine.submit(std::make_unique<FunctionJob>("a", [&](JobContext&) {
        first = std::this_thread::get_id();
        std::lock_guard<std::mutex> lock(m);
        order.push_back(1);
    }));
    auto b = engine.submit(std::make_unique<FunctionJob>("b", [&](JobContext&) {
        second = std::this_thread::get_id();
        std::lock_guard<std::mutex> lock(m);
        order.push_back(2);
    }));
    EXPECT_EQ(a.wait().state, JobState::Done);
    EXPECT_EQ(b.wait().state, JobState::Done);
    EXPECT_EQ(order, (std::vector<int>{1, 2}));
    EXPECT_EQ(first, second);
    EXPECT_NE(first, std::this_thread::get_id());
}

TEST(Engine, ReportsProgressAndFailureMessages) {
    Engine engine;
    std::vector<Progress> seen;
    std::mutex m;
    JobCallbacks callbacks;
    callbacks.onProgress = [&](const Progress& p) {
        std::lock_guard<std::mutex> lock(m);
        seen.push_back(p);
    };
    auto h = engine.submit(std::make_unique<FunctionJob>("fails", [](JobContext& ctx) {
                               ctx.report("load", 0.0, "starting");
                               ctx.report("load", 1.0, "done");
                               throw cs::Error("model.pt", "method activations is missing");
                           }),
                           callbacks);
    const auto outcome = h.wait();
    EXPECT_EQ(outcome.state, JobState::Failed);
    EXPECT_EQ(outcome.error, "model.pt: method activations is missing");
    ASSERT_GE(seen.size(), 2u);
    EXPECT_EQ(seen.front().stage, "load");
    EXPECT_DOUBLE_EQ(seen.back().fraction, 1.0);
}

TEST(Engine, CancelTakesEffectWithinASecond) {
    Engine engine;
    std::atomic<bool> started{false};
    auto h = engine.submit(std::make_unique<FunctionJob>("long", [&](JobContext& ctx) {
        started = true;
        for (int batch = 0; batch < 100000; ++batch) {
            ctx.checkCancelled();
            std::this_thread::sleep_for(10ms);  // one "batch" of work
        }
    }));
    while (!started) std::this_thread::sleep_for(1ms);
    const auto t0 = std::chrono::steady_clock::now();
    h.cancel();
    EXPECT_EQ(h.wait().state, JobState::Cancelled);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

TEST(Engine, QueuedJobCancelledBeforeStartNeverRuns) {
    Engine engine;
    std::atomic<bool> release{false}, ranSecond{false};
    auto first = engine.submit(std::make_unique<FunctionJob>("blocker", [&](JobContext&) {
        while (!release) std::this_thread::sleep_for(1ms);
    }));
    auto second = engine.submit(std::make_unique<FunctionJob>("queued", [&](JobContext&) { ranSecond = true; }));
    second.cancel();
    release = true;
    EXPECT_EQ(first.wait().state, JobState::Done);
    EXPECT_EQ(second.wait().state, JobState::Cancelled);
    EXPECT_FALSE(ranSecond);
}

TEST(Engine, DestructorCancelsRunningJob) {
    std::atomic<bool> started{false};
    JobHandle h;
    {
        Engine engine;
        h = engine.submit(std::make_unique<FunctionJob>("long", [&](JobContext& ctx) {
            started = true;
            for (;;) {
                ctx.checkCancelled();
                std::this_thread::sleep_for(1ms);
            }
        }));
        while (!started) std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(h.state(), JobState::Cancelled);
}

TEST(JobContext, StageChangesPassTheRateLimit) {
    std::vector<std::string> stages;
    JobContext context(std::make_shared<CancelToken>(), [&](const Progress& p) { stages.push_back(p.stage); });
    context.report("activations", 0.1);
    context.report("nmf", 0.2);  // within 50 ms of the previous report, but a new stage
    context.report("nmf", 0.21); // same stage, too soon: dropped
    context.report("sobol", 0.3);
    EXPECT_EQ(stages, (std::vector<std::string>{"activations", "nmf", "sobol"}));
}
