#pragma once
// writeOutputFile: the one way the studio writes a file the user named (reports, exports, PDF,
// --json), so that nothing is lost and nothing is replaced that is not a file:
//  - "-" writes to standard output;
//  - a path naming something other than a regular file (a device such as /dev/null or
//    /dev/stdout, a FIFO) is written through, never replaced by a regular file;
//  - a symbolic link is followed: its target is written, the link stays;
//  - a regular or new file is written to a temporary file beside it, synced and renamed over it,
//    so a reader never sees half a file, and a failed write (full disk, file-size limit) leaves
//    the old file as it was and no temporary behind.
// Every failure throws cs::Error naming the path and the system's reason.
#include <string>
#include <string_view>

namespace cs {

void writeOutputFile(const std::string& path, std::string_view bytes);

// Removes the temporary files of writes still in progress (from any thread): what a process calls
// before it ends at once on Ctrl-C, so no `*.partXXXXXX` file is left behind.
void discardOutputsInProgress();

// A process writing files ignores SIGXFSZ, so going over the file-size limit (ulimit -f) is
// an EFBIG error that writeOutputFile reports, not a silent death by signal.
void ignoreFileSizeSignal();

}  // namespace cs
