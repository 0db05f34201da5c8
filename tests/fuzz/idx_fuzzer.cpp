// IDX files (MNIST format, gzipped or not): as images, as labels, and through the image source
// that craft opens on them.
#include "common/error.h"
#include "data/idx_file.h"
#include "data/image_source.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = cs::fuzz::writeInput(data, size, "-images-idx3-ubyte");
    try {
        cs::data::looksLikeIdx(path);
        cs::data::readIdxImages(path);
    } catch (const cs::Error&) {
    }
    try {
        cs::data::readIdxLabels(path);
    } catch (const cs::Error&) {
    }
    return 0;
}
