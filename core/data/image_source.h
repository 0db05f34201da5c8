#pragma once
// Image sources for vision runs: a flat folder, an ImageFolder tree (one sub-folder per class),
// or an IDX file (MNIST format, gzipped or not). Decoding with OpenCV (core/imgproc/imgcodecs
// only). Images come out as float32 CHW in [0,1] with the channel count the model wants.
#include "common/tensor_blob.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cs::data {

struct ImageRef {
    std::string id;        // file path, or "path#index" for an IDX file
    int64_t label = -1;    // class index from the folder tree or the IDX labels file; -1 unknown
    std::string className; // folder name when known
};

struct Image {
    ImageRef ref;
    int64_t channels = 0, height = 0, width = 0;  // of `pixels`
    int64_t sourceHeight = 0, sourceWidth = 0;    // of the file, before any reduction at decode time
    std::vector<float> pixels;  // CHW float32 in [0,1]
};

// The size the caller will resize to (the model's input). An image at least twice as large on
// both sides is reduced while it is decoded (image_decode.h), so a 10000×10000 PNG costs what the
// model needs, not gigabytes of float pixels. 0×0: no reduction.
struct DecodeTarget {
    int64_t height = 0, width = 0;
};

class ImageSource {
public:
    virtual ~ImageSource() = default;
    virtual const std::string& path() const = 0;
    virtual const std::vector<ImageRef>& images() const = 0;
    // Decodes one image (throws cs::Error naming the file on a broken/too large image).
    // wantChannels: 1 or 3 converts (gray<->RGB, drops alpha); 0 keeps the source's channels.
    // target: see DecodeTarget (IDX images are small and never reduced).
    virtual Image load(size_t index, int wantChannels, DecodeTarget target = {}) const = 0;
    virtual std::vector<std::string> classNames() const = 0;  // from folders; may be empty
    // What the source is, as a project records it (docs/project-schema.md, datasets.kind):
    // "idx", "image-folder" (a flat folder or a single image file) or "image-folder-tree".
    virtual std::string kind() const = 0;
};

// Opens a folder, an ImageFolder tree, or an IDX file (an IDX labels file next to it,
// e.g. t10k-labels-idx1-ubyte[.gz] beside t10k-images-idx3-ubyte[.gz], gives labels).
std::unique_ptr<ImageSource> openImageSource(const std::string& path);

// Largest accepted image side; larger images are refused before decoding (e.g. 20000x20000).
constexpr int64_t kMaxImageSide = 16384;
constexpr int64_t kMaxImagePixels = 100'000'000;

// Resizes (bilinear, align_corners=false semantics as cv::INTER_LINEAR) to HxW and normalises
// per channel: (x - mean) / std. Empty mean/std = identity.
std::vector<float> resizeAndNormalise(const Image& image, int64_t height, int64_t width,
                                      const std::vector<float>& mean, const std::vector<float>& std);

}  // namespace cs::data
