#include "common/input_file.h"

#include "common/error.h"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace cs {

void requireRegularFile(const std::string& path, const std::string& what) {
    // stat() only looks at the inode: unlike opening, it never blocks on a FIFO.
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) throw Error(path, "does not exist; cannot open it");
        throw Error(path, std::string("cannot be read: ") + std::strerror(errno));
    }
    if (S_ISDIR(info.st_mode)) throw Error(path, "is a folder, expected " + what);
    if (!S_ISREG(info.st_mode)) throw Error(path, "is not a regular file (a FIFO, device or socket); expected " + what);
}

}  // namespace cs
