#pragma once
// requireRegularFile: the one check the studio makes before it opens a file the user named as
// input (a model, an interaction log, item metadata, a project, a tree, an image). A FIFO, a
// device or a socket would block the reader or feed it endless bytes, and a folder cannot be
// read as a file, so each is refused up front with a cs::Error naming the path:
//   "<path>: does not exist; cannot open it", "<path>: is a folder, expected <what>",
//   "<path>: is not a regular file (a FIFO, device or socket); expected <what>".
// Symbolic links are followed: a link to a regular file is accepted.
#include <string>

namespace cs {

// `what` names the expected file in a user's words, e.g. "an interactions file".
void requireRegularFile(const std::string& path, const std::string& what);

}  // namespace cs
