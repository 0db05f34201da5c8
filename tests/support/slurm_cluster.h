#pragma once
// A real one-node Slurm cluster for the sweep tests: munged, slurmctld and slurmd started as the
// current user (root in CI) with a configuration written into a test folder: the node is this host
// with its real CPU count, proctrack/linuxproc and no cgroups, state and spool folders in the test
// folder, free ports. The constructor returns once `sinfo` shows the node idle and sets SLURM_CONF
// so that sbatch, squeue and scancel (and the CLI under test) talk to it.
//
// The destructor stops exactly the daemons it started, by pid (SIGTERM, then SIGKILL), so a test
// that fails still leaves nothing behind; and each daemon gets PR_SET_PDEATHSIG, so even a test
// process killed outright (a ctest timeout) takes them down with it.
#include <string>
#include <sys/types.h>
#include <vector>

namespace cs::testing {

class SlurmCluster {
public:
    // Throws std::runtime_error saying what is missing or which daemon did not come up (its log).
    explicit SlurmCluster(const std::string& dir);
    ~SlurmCluster();
    SlurmCluster(const SlurmCluster&) = delete;
    SlurmCluster& operator=(const SlurmCluster&) = delete;

    const std::string& configPath() const { return config_; }
    const std::string& partition() const { return partition_; }
    int cpus() const { return cpus_; }
    // Runs a Slurm tool (e.g. {"scancel", "12_0"}) against this cluster; returns its exit code
    // and puts its stdout in `out`.
    int tool(const std::vector<std::string>& argv, std::string* out = nullptr) const;

private:
    pid_t startDaemon(const std::vector<std::string>& argv, const std::string& outputPath);
    void waitForIdleNode(int seconds);
    void stopAll();
    std::string dir_, config_, partition_ = "sweeptest";
    int cpus_ = 1;
    std::vector<std::pair<pid_t, std::string>> daemons_;  // pid, name (started order)
    std::string mungeDir_;
    bool mungeDirIsTemporary_ = false;
};

}  // namespace cs::testing
