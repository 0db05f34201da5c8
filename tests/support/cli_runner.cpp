#include "cli_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cs::testing {
namespace fs = std::filesystem;

namespace {

std::string readAndRemove(const fs::path& path) {
    std::string text;
    {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream content;
        content << in.rdbuf();
        text = content.str();
    }
    std::error_code ignored;
    fs::remove(path, ignored);
    return text;
}

// Output files unique to this process and call: ctest runs test programs in parallel.
fs::path outputStem() {
    static std::atomic<int> calls{0};
    const fs::path dir = fs::path(CS_TEST_TMP) / "cli-output";
    fs::create_directories(dir);
    return dir / (std::to_string(::getpid()) + "-" + std::to_string(calls++));
}

}  // namespace

CliResult runCli(const std::string& arguments, CliStreams streams, const std::string& environment) {
    const fs::path stem = outputStem();
    const fs::path out = stem.string() + ".out", err = stem.string() + ".err";
    std::string command = environment.empty() ? std::string() : environment + " ";
    command += "'" + std::string(CS_CLI_PATH) + "' " + arguments + " > '" + out.string() + "'";
    command += streams == CliStreams::Merged ? std::string(" 2>&1") : " 2> '" + err.string() + "'";
    const int status = std::system(command.c_str());
    CliResult result;
    result.exitCode = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = readAndRemove(out);
    if (streams == CliStreams::Separate) result.err = readAndRemove(err);
    return result;
}

}  // namespace cs::testing
