#pragma once
// What every harness shares. The studio's readers take a path (they check it is a regular file
// first), so a harness writes libFuzzer's bytes to one scratch file per process and hands that
// path over. A harness catches only the studio's own errors (cs::Error, cs::UsageError): any other
// exception escaping a reader is a finding, as is every sanitizer report.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace cs::fuzz {

// The scratch file, in $TMPDIR (tools/fuzz.sh points it at a private folder), named by pid so
// parallel fuzzers do not share it. `suffix` matters where readers look at extensions (.png).
inline std::string writeInput(const uint8_t* data, size_t size, const char* suffix = "") {
    const char* tmp = std::getenv("TMPDIR");
    const std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/cs-fuzz-" + std::to_string(getpid()) + suffix;
    FILE* file = std::fopen(path.c_str(), "wb");
    if (!file) std::abort();  // the harness cannot work: say so loudly rather than fuzz nothing
    if (size > 0 && std::fwrite(data, 1, size, file) != size) std::abort();
    std::fclose(file);
    return path;
}

}  // namespace cs::fuzz
