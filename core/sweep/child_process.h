#pragma once
// Child processes for the sweep: shards started from an argument list (never through a shell),
// and the Slurm tools (sbatch, squeue, sacct, scancel) run with their output captured.
#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace cs::sweep {

struct SpawnOptions {
    std::string workingDirectory;  // empty: this process's
    std::string outputPath;        // stdout and stderr appended here; empty: /dev/null
    std::vector<std::pair<std::string, std::string>> environment;  // added to this process's
};

// Starts argv[0] (looked up on PATH when it has no '/') with these arguments; throws cs::Error
// when it cannot be started.
pid_t spawnProcess(const std::vector<std::string>& argv, const SpawnOptions& options = {});

// The exit code of a finished child: its status, or 128 + the signal that ended it.
int exitCodeOf(int waitStatus);
// Waits for the child; returns exitCodeOf its status.
int waitForProcess(pid_t pid);

struct CommandOutput {
    int exitCode = -1;
    std::string out, err;
};
// Runs the command to its end and captures its output; throws cs::Error naming the program when
// it cannot be started (e.g. Slurm's tools are not installed).
CommandOutput runCommand(const std::vector<std::string>& argv, const std::string& workingDirectory = {});

// The path of the running executable: shards and Slurm jobs run the same concept-studio-cli.
std::string currentExecutable();

// True when the process exists (on this host).
bool processAlive(pid_t pid);

// The hostname of this machine.
std::string hostName();

}  // namespace cs::sweep
