#include "slurm_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

namespace cs::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A TCP port nobody listens on now (the kernel's choice for port 0).
int freePort() {
    const int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (s < 0 || bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        getsockname(s, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        if (s >= 0) close(s);
        throw std::runtime_error("no free TCP port for the test cluster");
    }
    const int port = ntohs(address.sin_port);
    close(s);
    return port;
}

std::string currentUser() {
    const passwd* pw = getpwuid(getuid());
    if (!pw) throw std::runtime_error("the current user has no name; Slurm needs one");
    return pw->pw_name;
}

std::string thisHost() {
    char name[256] = {};
    gethostname(name, sizeof name - 1);
    std::string host = name;
    return host.substr(0, host.find('.'));  // Slurm's node name is the short host name
}

bool executableOnPath(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string dirs = std::string(path ? path : "") + ":/usr/sbin:/sbin";
    size_t start = 0;
    while (start <= dirs.size()) {
        const size_t colon = dirs.find(':', start);
        const std::string dir = dirs.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        if (!dir.empty() && access((dir + "/" + name).c_str(), X_OK) == 0) return true;
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    return false;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

SlurmCluster::SlurmCluster(const std::string& dir) : dir_(fs::absolute(dir).string()) {
    for (const char* tool : {"munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scancel"})
        if (!executableOnPath(tool))
            throw std::runtime_error(std::string(tool) + " is not installed; the sweep tests need slurm-wlm and munge (installer/install-deps.sh)");
    fs::remove_all(dir_);
    for (const char* sub : {"state", "spool", "log"}) fs::create_directories(dir_ + "/" + sub);
    cpus_ = std::max(1u, std::thread::hardware_concurrency());

    // munged's socket path must fit a Unix socket address (108 bytes): a deep build folder gets a
    // private folder under /tmp instead.
    mungeDir_ = dir_ + "/munge";
    if (mungeDir_.size() + 20 > 100) {
        char pattern[] = "/tmp/cs-munge-XXXXXX";
        if (!mkdtemp(pattern)) throw std::runtime_error("cannot create a folder for munged");
        mungeDir_ = pattern;
        mungeDirIsTemporary_ = true;
    }
    fs::create_directories(mungeDir_);
    chmod(mungeDir_.c_str(), 0755);  // munged wants its socket folder searchable by everyone
    {
        std::random_device random;
        std::ofstream key(mungeDir_ + "/munge.key", std::ios::binary);
        for (int i = 0; i < 1024 / 4; ++i) {
            const uint32_t word = random();
            key.write(reinterpret_cast<const char*>(&word), sizeof word);
        }
    }
    chmod((mungeDir_ + "/munge.key").c_str(), 0400);
    const std::string socket = mungeDir_ + "/munge.socket";

    const std::string user = currentUser(), host = thisHost();
    config_ = dir_ + "/slurm.conf";
    {
        std::ofstream conf(config_);
        conf << "# A one-node test cluster written by tests/support/slurm_cluster.cpp\n"
             << "ClusterName=cssweeptest\nSlurmctldHost=" << host << "\n"
             << "SlurmUser=" << user << "\nSlurmdUser=" << user << "\n"
             << "SlurmctldPort=" << freePort() << "\nSlurmdPort=" << freePort() << "\n"
             << "AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket=" << socket << "\n"
             << "StateSaveLocation=" << dir_ << "/state\nSlurmdSpoolDir=" << dir_ << "/spool\n"
             << "SlurmctldPidFile=" << dir_ << "/slurmctld.pid\nSlurmdPidFile=" << dir_ << "/slurmd.pid\n"
             << "SlurmctldLogFile=" << dir_ << "/log/slurmctld.log\nSlurmdLogFile=" << dir_ << "/log/slurmd.log\n"
             << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nJobAcctGatherType=jobacct_gather/none\n"
             << "AccountingStorageType=accounting_storage/none\nJobCompType=jobcomp/none\n"
             << "SchedulerType=sched/backfill\nSelectType=select/cons_tres\nSelectTypeParameters=CR_CPU\n"
             << "ReturnToService=2\nMpiDefault=none\nSwitchType=switch/none\nInactiveLimit=0\nKillWait=5\nMinJobAge=300\n"
             << "SchedulerParameters=sched_interval=1\n"
             << "NodeName=" << host << " CPUs=" << cpus_ << " State=UNKNOWN\n"
             << "PartitionName=" << partition_ << " Nodes=" << host << " Default=YES MaxTime=INFINITE State=UP\n";
    }
    setenv("SLURM_CONF", config_.c_str(), 1);

    try {
        startDaemon({"munged", "--foreground", "--force", "--key-file=" + mungeDir_ + "/munge.key", "--socket=" + socket,
                     "--pid-file=" + mungeDir_ + "/munged.pid", "--log-file=" + dir_ + "/log/munged.log",
                     "--seed-file=" + mungeDir_ + "/munged.seed"},
                    dir_ + "/log/munged.out");
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!fs::exists(socket) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(50ms);
        if (!fs::exists(socket)) throw std::runtime_error("munged did not start: " + readFile(dir_ + "/log/munged.out"));
        startDaemon({"slurmctld", "-D", "-i", "-f", config_}, dir_ + "/log/slurmctld.out");
        startDaemon({"slurmd", "-D", "-f", config_}, dir_ + "/log/slurmd.out");
        waitForIdleNode(60);
    } catch (...) {
        stopAll();
        throw;
    }
}

SlurmCluster::~SlurmCluster() { stopAll(); }

pid_t SlurmCluster::startDaemon(const std::vector<std::string>& argv, const std::string& outputPath) {
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("cannot start " + argv[0]);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);  // dies with the test process
        if (getppid() != parent) _exit(1);
        const int fd = open(outputPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    daemons_.emplace_back(pid, argv[0]);
    return pid;
}

void SlurmCluster::waitForIdleNode(int seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    std::string state;
    while (std::chrono::steady_clock::now() < deadline) {
        for (const auto& [pid, name] : daemons_) {
            int status = 0;
            if (waitpid(pid, &status, WNOHANG) == pid)
                throw std::runtime_error(name + " exited at start-up; its log: " + readFile(dir_ + "/log/" + name + ".out") +
                                         readFile(dir_ + "/log/" + name + ".log"));
        }
        if (tool({"sinfo", "--noheader", "--format=%T"}, &state) == 0 && state.rfind("idle", 0) == 0) return;
        std::this_thread::sleep_for(200ms);
    }
    throw std::runtime_error("the test cluster's node is not idle after " + std::to_string(seconds) + " s (sinfo says '" + state +
                             "'); logs in " + dir_ + "/log");
}

int SlurmCluster::tool(const std::vector<std::string>& argv, std::string* out) const {
    int pipeFds[2];
    if (pipe(pipeFds) != 0) return -1;
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(pipeFds[1], 1);
        const int devNull = open("/dev/null", O_WRONLY);
        dup2(devNull, 2);
        close(pipeFds[0]);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    close(pipeFds[1]);
    std::string text;
    char buffer[4096];
    for (ssize_t n; (n = read(pipeFds[0], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<size_t>(n));
    close(pipeFds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (out) *out = text;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void SlurmCluster::stopAll() {
    // The jobs a failed test left behind go first, through Slurm, so no shard outlives the cluster.
    if (!daemons_.empty() && tool({"scancel", "--partition=" + partition_}) == 0) {
        std::string queue = "x";
        const auto deadline = std::chrono::steady_clock::now() + 15s;
        while (!queue.empty() && std::chrono::steady_clock::now() < deadline &&
               tool({"squeue", "--noheader", "--partition=" + partition_, "--format=%i"}, &queue) == 0)
            std::this_thread::sleep_for(200ms);
    }
    // The reverse of the start order: slurmd, slurmctld, then munged, which they authenticate with.
    for (auto it = daemons_.rbegin(); it != daemons_.rend(); ++it) {
        const pid_t pid = it->first;
        kill(pid, SIGTERM);
        int status = 0;
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (waitpid(pid, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                break;
            }
            std::this_thread::sleep_for(50ms);
        }
    }
    daemons_.clear();
    if (mungeDirIsTemporary_) {
        std::error_code ec;
        fs::remove_all(mungeDir_, ec);
        mungeDirIsTemporary_ = false;
    }
}

}  // namespace cs::testing
