// Image files: the header check, then OpenCV's decoder, as craft reads every image of a folder.
// The first byte picks the channels asked for (kept, gray, RGB).
#include "common/error.h"
#include "data/image_decode.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const int channels[] = {0, 1, 3};
    const int want = channels[data[0] % 3];
    const std::string path = cs::fuzz::writeInput(data + 1, size - 1, ".img");
    try {
        cs::data::decodeImageFile(path, want);
    } catch (const cs::Error&) {
    }
    return 0;
}
