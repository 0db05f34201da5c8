// The files of a sweep folder that the CLI reads back (docs/cluster.md): the manifest, the
// submissions and a shard's state record, each given libFuzzer's bytes in a scratch sweep folder.
// A manifest that parses has its shards' paths and model hashes used as `sweep status` uses them.
#include "common/error.h"
#include "sweep/shard_record.h"
#include "sweep/sweep_manifest.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

// One scratch sweep folder per process, in $TMPDIR (tools/fuzz.sh points it at a private folder).
const cs::sweep::SweepFolder& scratchFolder() {
    static const cs::sweep::SweepFolder folder = [] {
        const char* tmp = std::getenv("TMPDIR");
        const std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/cs-fuzz-sweep-" + std::to_string(getpid());
        std::filesystem::create_directories(dir + "/state");
        return cs::sweep::SweepFolder(dir);
    }();
    return folder;
}

void write(const std::string& path, const uint8_t* data, size_t size) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) std::abort();  // the harness cannot work: say so loudly rather than fuzz nothing
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto& folder = scratchFolder();
    write(folder.manifestPath(), data, size);
    write(folder.submissionsPath(), data, size);
    write(folder.shardState(0), data, size);
    try {
        const auto manifest = cs::sweep::readManifest(folder);
        for (const auto& shard : manifest.shards) {
            (void)folder.shardProject(shard.index);
            (void)folder.shardLog(shard.index);
        }
        (void)manifest.modelSha256();
    } catch (const cs::Error&) {
    }
    try {
        (void)cs::sweep::readSubmissions(folder);
    } catch (const cs::Error&) {
    }
    try {
        (void)cs::sweep::readShardRecord(folder, 0);
    } catch (const cs::Error&) {
    }
    return 0;
}
