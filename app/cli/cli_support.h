#pragma once
// What every CLI command shares: running a job on the engine with a progress display
// (a bar on a terminal, plain lines otherwise), Ctrl-C as cancel, and writing JSON files.
#include "jobs/engine.h"

#include <nlohmann/json.hpp>
#include <string>

namespace cs::cli {

// Runs the job on a fresh engine thread and shows its progress on stderr. SIGINT/SIGTERM
// cancel it. Returns the outcome; the caller decides the exit code.
jobs::JobOutcome runJobWithProgress(std::unique_ptr<jobs::Job> job);

// Exit code for an outcome: 0 done, 1 failed (message printed), 130 cancelled.
int exitCodeFor(const jobs::JobOutcome& outcome);

// Writes --json output through cs::writeOutputFile ("-" is standard output; devices and FIFOs are
// written through; regular files atomically); throws cs::Error naming the file.
void writeJsonFile(const std::string& path, const nlohmann::json& value);

// SIGINT/SIGTERM before or between jobs end the process with exit 130 at once; runJobWithProgress
// turns them into a cancel while its job runs. Called first thing in main.
void installCancelSignals();

// Sets LibTorch intra-op threads to the available cores; called once on the engine thread.
void initEngineThread();

}  // namespace cs::cli
