#pragma once
// Running concept-studio-cli from a test. Tests that call this are declared with NEEDS_CLI
// (tests/CMakeLists.txt), which builds the CLI before them and defines CS_CLI_PATH.
#include <string>

namespace cs::testing {

struct CliResult {
    int exitCode = -1;  // -1 when the CLI did not exit normally (a signal, or no shell)
    std::string out;    // stdout, or stdout and stderr as written with CliStreams::Merged
    std::string err;    // stderr; empty with CliStreams::Merged
};

// Merged keeps stdout and stderr interleaved in the order the CLI wrote them (as `2>&1`).
enum class CliStreams { Separate, Merged };

// Runs `concept-studio-cli <arguments>` through the shell and waits for it. The caller quotes
// paths in `arguments`. `environment` is put before the command, e.g. "XDG_DATA_HOME=/tmp/x",
// so a test can give the CLI an empty user folder.
CliResult runCli(const std::string& arguments, CliStreams streams = CliStreams::Separate,
                 const std::string& environment = {});

}  // namespace cs::testing
