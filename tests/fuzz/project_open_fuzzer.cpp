// Project files (.cstudio, SQLite): a hostile file must be refused by the application id, schema
// version and integrity checks, or, once open, read without a crash. Opened read-only, as the
// report and export commands open it, then every run's rows are read.
#include "common/error.h"
#include "fuzz_input.h"
#include "store/project_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = cs::fuzz::writeInput(data, size, ".cstudio");
    try {
        auto store = cs::store::ProjectStore::open(path, /*readOnly=*/true);
        store->models();
        store->datasets();
        for (const auto& run : store->runs()) {
            store->concepts(run.id);
            store->latents(run.id);
            store->crops(run.id);
            for (const auto& artifact : store->artifacts(run.id)) store->artifact(artifact.id);
        }
        store->setting("view");
    } catch (const cs::Error&) {
    }
    return 0;
}
