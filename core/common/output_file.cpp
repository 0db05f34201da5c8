#include "common/output_file.h"

#include "common/error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>

namespace cs {

namespace {

namespace fs = std::filesystem;

std::string systemReason() { return std::strerror(errno); }

// Temporary files between their creation and their rename or removal.
std::mutex g_inProgressMutex;
std::set<std::string> g_inProgress;

struct TemporaryInProgress {
    explicit TemporaryInProgress(std::string path) : path_(std::move(path)) {
        const std::lock_guard<std::mutex> lock(g_inProgressMutex);
        g_inProgress.insert(path_);
    }
    ~TemporaryInProgress() {
        const std::lock_guard<std::mutex> lock(g_inProgressMutex);
        g_inProgress.erase(path_);
    }
    TemporaryInProgress(const TemporaryInProgress&) = delete;
    TemporaryInProgress& operator=(const TemporaryInProgress&) = delete;

private:
    std::string path_;
};

// Writes all of bytes to fd, retrying short writes and interruptions; false with errno set on failure.
bool writeAll(int fd, std::string_view bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        done += static_cast<size_t>(n);
    }
    return true;
}

void writeThrough(const std::string& path, int fd, std::string_view bytes) {
    if (!writeAll(fd, bytes)) throw Error(path, "write failed: " + systemReason());
}

void writeNonRegular(const std::string& path, std::string_view bytes) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) throw Error(path, "cannot write: " + systemReason());
    const bool ok = writeAll(fd, bytes);
    const std::string reason = ok ? std::string() : systemReason();
    ::close(fd);
    if (!ok) throw Error(path, "write failed: " + reason);
}

// Temporary file beside target, written, synced and renamed over it; removed on any failure.
void replaceRegular(const std::string& shownPath, const fs::path& target, std::string_view bytes) {
    std::string temp = target.string() + ".partXXXXXX";
    const int fd = ::mkstemp(temp.data());
    if (fd < 0) throw Error(shownPath, "cannot write: " + systemReason());
    const TemporaryInProgress tracked(temp);
    // mkstemp creates 0600; give the file the permissions an ordinary create would.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
    const bool ok = writeAll(fd, bytes) && ::fsync(fd) == 0;
    const std::string reason = ok ? std::string() : systemReason();
    if (::close(fd) != 0 && ok) {
        const std::string closeReason = systemReason();
        ::unlink(temp.c_str());
        throw Error(shownPath, "write failed: " + closeReason);
    }
    if (!ok) {
        ::unlink(temp.c_str());
        throw Error(shownPath, "write failed: " + reason + " (nothing was replaced)");
    }
    if (::rename(temp.c_str(), target.c_str()) != 0) {
        const std::string renameReason = systemReason();
        ::unlink(temp.c_str());
        throw Error(shownPath, "cannot replace: " + renameReason);
    }
}

}  // namespace

void discardOutputsInProgress() {
    const std::lock_guard<std::mutex> lock(g_inProgressMutex);
    for (const std::string& path : g_inProgress) ::unlink(path.c_str());
}

void writeOutputFile(const std::string& path, std::string_view bytes) {
    if (path == "-") return writeThrough(path, STDOUT_FILENO, bytes);
    if (path.empty()) throw Error("output", "no file name given");
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0) {
        if (S_ISDIR(info.st_mode)) throw Error(path, "is a folder; give a file name");
        if (!S_ISREG(info.st_mode)) return writeNonRegular(path, bytes);
        std::error_code ec;
        const fs::path target = fs::canonical(path, ec);  // through symbolic links
        return replaceRegular(path, ec ? fs::path(path) : target, bytes);
    }
    if (errno != ENOENT) throw Error(path, "cannot write: " + systemReason());
    // A dangling symbolic link: create its target, as writing through the link would.
    std::error_code ec;
    const fs::path target = fs::is_symlink(fs::symlink_status(path, ec)) ? fs::absolute(fs::path(path).parent_path() / fs::read_symlink(path, ec))
                                                                         : fs::path(path);
    replaceRegular(path, target, bytes);
}

void ignoreFileSizeSignal() { std::signal(SIGXFSZ, SIG_IGN); }

}  // namespace cs
