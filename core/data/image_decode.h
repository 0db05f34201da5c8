#pragma once
// Decoding one image file with OpenCV (imgcodecs, IMREAD_UNCHANGED) after a header check:
// the dimensions are read from the file's own header first, so a 20000×20000 PNG is refused
// without allocating its pixels. Gray, gray+alpha, RGB, RGBA, 8/16-bit and float images come
// out as float32 CHW in [0,1] (RGB order).
#include "data/image_source.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cs::data {

struct ImageHeader {
    std::string format;  // "png", "jpeg", "bmp", "tiff", "webp", "pnm"
    int64_t width = 0, height = 0;
};

// Reads the format and dimensions from the first bytes of the file; throws cs::Error naming the
// file when it is empty, not an image of a supported format, or its header is cut short.
ImageHeader readImageHeader(const std::string& path, const std::vector<unsigned char>& bytes);

// Reads, checks and decodes. wantChannels: 0 keeps the source's channels (alpha kept), 1 gray,
// 3 RGB (alpha dropped, as PIL's convert("RGB")).
// target: when the image is at least twice the target on both sides, it is reduced at decode
// time to the target size: a JPEG through libjpeg's DCT scaling (IMREAD_REDUCED_*, 1/2 to 1/8)
// as far as it stays above the target, then area averaging (INTER_AREA) before the conversion
// to float. sourceHeight/sourceWidth keep the file's size.
Image decodeImageFile(const std::string& path, int wantChannels, DecodeTarget target = {});

// File extensions treated as images when listing a folder (lower case, with the dot).
bool hasImageExtension(const std::string& path);

}  // namespace cs::data
