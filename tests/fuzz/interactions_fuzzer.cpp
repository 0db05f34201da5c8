// Interaction logs in one format (CS_FUZZ_FORMAT: auto, sasrec, rechorus or movielens), loaded as
// recsae and train-sasrec load them, then split leave-one-out. A second pass reads the same bytes
// in identity mode (raw ids as internal ids), the path that converts ids to numbers.
#include "common/error.h"
#include "data/interactions.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = cs::fuzz::writeInput(data, size);
    cs::data::InteractionLoadOptions options;
    options.format = cs::data::interactionFormatFromString(CS_FUZZ_FORMAT);
    try {
        const cs::data::InteractionLog log = cs::data::loadInteractions(path, options);
        cs::data::leaveOneOut(log);
    } catch (const cs::Error&) {
    }
    options.identityMaxItem = 50;
    try {
        cs::data::loadInteractions(path, options);
    } catch (const cs::Error&) {
    }
    return 0;
}
