#include "sweep/child_process.h"

#include "common/error.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace cs::sweep {

namespace {

std::vector<char*> cArguments(const std::vector<std::string>& argv) {
    std::vector<char*> out;
    for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
    out.push_back(nullptr);
    return out;
}

// In the child after fork: only async-signal-safe calls until exec.
[[noreturn]] void execOrExit(const std::vector<char*>& argv, int errorPipe) {
    signal(SIGPIPE, SIG_DFL);
    execvp(argv[0], argv.data());
    const int error = errno;
    (void)!write(errorPipe, &error, sizeof error);
    _exit(127);
}

// Reports exec's failure through a close-on-exec pipe: nothing read means the exec succeeded.
void throwIfExecFailed(int errorPipe, const std::string& program, pid_t pid) {
    int error = 0;
    const ssize_t n = read(errorPipe, &error, sizeof error);
    close(errorPipe);
    if (n == sizeof error) {
        waitpid(pid, nullptr, 0);
        throw Error(program, std::string("cannot be started: ") + std::strerror(error));
    }
}

}  // namespace

pid_t spawnProcess(const std::vector<std::string>& argv, const SpawnOptions& options) {
    if (argv.empty()) throw Error("spawn", "no program given");
    const auto args = cArguments(argv);
    std::vector<std::string> environment;
    for (const auto& [name, value] : options.environment) environment.push_back(name + "=" + value);
    int errorPipe[2];
    if (pipe2(errorPipe, O_CLOEXEC) != 0) throw Error(argv[0], std::string("cannot be started: ") + std::strerror(errno));
    const int output = open(options.outputPath.empty() ? "/dev/null" : options.outputPath.c_str(),
                            O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (output < 0) {
        close(errorPipe[0]);
        close(errorPipe[1]);
        throw Error(options.outputPath, std::string("cannot be written: ") + std::strerror(errno));
    }
    const pid_t pid = fork();
    if (pid < 0) throw Error(argv[0], std::string("cannot be started: ") + std::strerror(errno));
    if (pid == 0) {
        close(errorPipe[0]);
        dup2(output, 1);
        dup2(output, 2);
        if (!options.workingDirectory.empty() && chdir(options.workingDirectory.c_str()) != 0) {
            const int error = errno;
            (void)!write(errorPipe[1], &error, sizeof error);
            _exit(127);
        }
        for (auto& entry : environment) putenv(entry.data());
        execOrExit(args, errorPipe[1]);
    }
    close(output);
    close(errorPipe[1]);
    throwIfExecFailed(errorPipe[0], argv[0], pid);
    return pid;
}

int exitCodeOf(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

int waitForProcess(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return exitCodeOf(status);
}

CommandOutput runCommand(const std::vector<std::string>& argv, const std::string& workingDirectory) {
    if (argv.empty()) throw Error("command", "no program given");
    const auto args = cArguments(argv);
    int outPipe[2], errPipe[2], errorPipe[2];
    if (pipe2(outPipe, O_CLOEXEC) != 0 || pipe2(errPipe, O_CLOEXEC) != 0 || pipe2(errorPipe, O_CLOEXEC) != 0)
        throw Error(argv[0], std::string("cannot be started: ") + std::strerror(errno));
    const pid_t pid = fork();
    if (pid < 0) throw Error(argv[0], std::string("cannot be started: ") + std::strerror(errno));
    if (pid == 0) {
        dup2(outPipe[1], 1);
        dup2(errPipe[1], 2);
        const int devNull = open("/dev/null", O_RDONLY);
        if (devNull >= 0) dup2(devNull, 0);
        if (!workingDirectory.empty() && chdir(workingDirectory.c_str()) != 0) {
            const int error = errno;
            (void)!write(errorPipe[1], &error, sizeof error);
            _exit(127);
        }
        execOrExit(args, errorPipe[1]);
    }
    close(outPipe[1]);
    close(errPipe[1]);
    close(errorPipe[1]);
    try {
        throwIfExecFailed(errorPipe[0], argv[0], pid);
    } catch (...) {
        close(outPipe[0]);
        close(errPipe[0]);
        throw;
    }
    CommandOutput result;
    pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
    std::string* targets[2] = {&result.out, &result.err};
    int open = 2;
    char buffer[4096];
    while (open > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) targets[i]->append(buffer, static_cast<size_t>(n));
            else if (n == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open;
            }
        }
    }
    result.exitCode = waitForProcess(pid);
    return result;
}

std::string currentExecutable() {
    std::error_code ec;
    const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) throw Error("/proc/self/exe", "cannot tell which program is running: " + ec.message());
    return path.string();
}

bool processAlive(pid_t pid) { return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM); }

std::string hostName() {
    char name[256] = {};
    gethostname(name, sizeof name - 1);
    return name;
}

}  // namespace cs::sweep
