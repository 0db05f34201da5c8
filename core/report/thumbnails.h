#pragma once
// Pictures for reports: crop thumbnails cut from source images or decoded from stored PNGs,
// scaled down and framed in a concept's colour, re-encoded as PNG (OpenCV core/imgproc/
// imgcodecs only). Returns empty strings when a picture cannot be made, so a report shows
// the crop's box as text instead of failing.
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace cs::report {

// "#rrggbb" → frame colour; maxSide bounds the longer side of the result (aspect kept).
std::string reframePng(const std::string& encodedImage, int maxSide, const std::string& frameColor, int frame = 3);

// Cuts boxes out of source images (a file, or "path#index" inside an IDX file when the
// data module is linked). Decoded sources are cached for the lifetime of the object.
class CropCutter {
public:
    CropCutter();
    ~CropCutter();
    std::string cropPng(const std::string& sourceImage, int64_t x, int64_t y, int64_t w, int64_t h, int maxSide,
                        const std::string& frameColor);

private:
    struct Cache;
    std::unique_ptr<Cache> cache_;
};

}  // namespace cs::report
