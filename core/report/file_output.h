#pragma once
// Folders and file names for reports and exports (the files themselves are written by
// cs::writeOutputFile, common/output_file.h).
#include <string>
#include <string_view>

namespace cs::report {

// Creates the folder (and parents); throws cs::Error naming it when that fails or when the
// path exists and is not a folder.
void ensureDirectory(const std::string& path);

// A file-name-safe version of a user string: letters, digits, '-', '_' and '.' kept, the rest
// replaced by '_', never empty, never "." or "..", at most 80 bytes.
std::string safeFileName(std::string_view text);

}  // namespace cs::report
