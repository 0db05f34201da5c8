// Item metadata (TSV with item_id, title, genres|categories|tags), aligned to a fixed small log.
#include "common/error.h"
#include "data/item_metadata.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = cs::fuzz::writeInput(data, size);
    cs::data::InteractionLog log;
    log.path = "log";
    log.itemIds = {"", "1", "2", "10"};
    log.sequences = {{1, 2, 3}};
    try {
        const cs::data::ItemMetadata meta = cs::data::loadItemMetadata(path);
        cs::data::alignItemMetadata(meta, log);
    } catch (const cs::Error&) {
    }
    return 0;
}
