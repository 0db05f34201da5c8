// Image sources: a flat folder, an ImageFolder tree, an IDX file, or a single image file.
#include "data/image_source.h"

#include "common/error.h"
#include "common/input_file.h"
#include "data/idx_file.h"
#include "data/image_decode.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>

namespace cs::data {
namespace fs = std::filesystem;
namespace {

std::vector<std::string> sortedImageFiles(const fs::path& dir, bool recursive) {
    std::vector<std::string> files;
    std::error_code ec;
    auto consider = [&](const fs::directory_entry& entry) {
        if (entry.is_regular_file(ec) && hasImageExtension(entry.path().string())) files.push_back(entry.path().string());
    };
    if (recursive) {
        for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
             it != fs::recursive_directory_iterator(); it.increment(ec))
            consider(*it);
    } else {
        for (const auto& entry : fs::directory_iterator(dir, ec)) consider(entry);
    }
    std::sort(files.begin(), files.end());
    return files;
}

// Folder sources: a flat folder or a single file (no classes), or an ImageFolder tree (labels
// from sub-folders, so it always has classes).
class FolderSource final : public ImageSource {
public:
    FolderSource(std::string path, std::vector<ImageRef> refs, std::vector<std::string> classes)
        : path_(std::move(path)), refs_(std::move(refs)), classes_(std::move(classes)) {}
    const std::string& path() const override { return path_; }
    const std::vector<ImageRef>& images() const override { return refs_; }
    std::vector<std::string> classNames() const override { return classes_; }
    std::string kind() const override { return classes_.empty() ? "image-folder" : "image-folder-tree"; }
    Image load(size_t index, int wantChannels, DecodeTarget target = {}) const override {
        if (index >= refs_.size()) throw Error(path_, "image index " + std::to_string(index) + " is out of range");
        Image image = decodeImageFile(refs_[index].id, wantChannels, target);
        image.ref = refs_[index];
        return image;
    }

private:
    std::string path_;
    std::vector<ImageRef> refs_;
    std::vector<std::string> classes_;
};

class IdxSource final : public ImageSource {
public:
    explicit IdxSource(const std::string& path) : path_(path), images_(readIdxImages(path)) {
        std::vector<uint8_t> labels;
        const std::string labelsPath = findIdxLabelsFile(path);
        if (!labelsPath.empty()) {
            labels = readIdxLabels(labelsPath);
            if (int64_t(labels.size()) != images_.count)
                throw Error(labelsPath, "has " + std::to_string(labels.size()) + " labels but " + path + " has " +
                                            std::to_string(images_.count) + " images");
        }
        refs_.reserve(size_t(images_.count));
        for (int64_t i = 0; i < images_.count; ++i)
            refs_.push_back(ImageRef{path + "#" + std::to_string(i), labels.empty() ? -1 : int64_t(labels[size_t(i)]), {}});
    }
    const std::string& path() const override { return path_; }
    const std::vector<ImageRef>& images() const override { return refs_; }
    std::vector<std::string> classNames() const override { return {}; }
    std::string kind() const override { return "idx"; }
    Image load(size_t index, int wantChannels, DecodeTarget = {}) const override {
        if (index >= refs_.size()) throw Error(path_, "image index " + std::to_string(index) + " is out of range");
        if (wantChannels != 0 && wantChannels != 1 && wantChannels != 3)
            throw Error(path_, "images can be converted to 1 or 3 channels only");
        const int channels = wantChannels == 3 ? 3 : 1;
        const size_t plane = size_t(images_.rows * images_.cols);
        Image image;
        image.ref = refs_[index];
        image.channels = channels;
        image.height = image.sourceHeight = images_.rows;
        image.width = image.sourceWidth = images_.cols;
        image.pixels.resize(plane * size_t(channels));
        const uint8_t* source = images_.pixels.data() + index * plane;
        for (size_t i = 0; i < plane; ++i) image.pixels[i] = float(source[i]) / 255.0f;
        for (int c = 1; c < channels; ++c)
            std::copy(image.pixels.begin(), image.pixels.begin() + long(plane), image.pixels.begin() + long(c * plane));
        return image;
    }

private:
    std::string path_;
    IdxImages images_;
    std::vector<ImageRef> refs_;
};

}  // namespace

std::unique_ptr<ImageSource> openImageSource(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw Error(path, "does not exist");
    if (!fs::is_directory(path, ec)) {
        requireRegularFile(path, "an image, an IDX file or a folder of images");
        if (hasImageExtension(path)) {
            std::vector<ImageRef> refs{ImageRef{path, -1, {}}};
            return std::make_unique<FolderSource>(path, std::move(refs), std::vector<std::string>{});
        }
        return std::make_unique<IdxSource>(path);  // readIdxImages names a wrong magic / short body
    }

    // Images directly in the folder: a flat folder. Otherwise sub-folders with images: an
    // ImageFolder tree, classes in sorted order as torchvision's ImageFolder assigns them.
    std::vector<std::string> flat = sortedImageFiles(path, false);
    if (!flat.empty()) {
        std::vector<ImageRef> refs;
        for (auto& file : flat) refs.push_back(ImageRef{std::move(file), -1, {}});
        return std::make_unique<FolderSource>(path, std::move(refs), std::vector<std::string>{});
    }
    std::vector<std::string> classDirs;
    for (const auto& entry : fs::directory_iterator(path, ec))
        if (entry.is_directory(ec) && entry.path().filename().string().front() != '.') classDirs.push_back(entry.path().string());
    std::sort(classDirs.begin(), classDirs.end());
    std::vector<std::string> classes;
    std::vector<ImageRef> refs;
    for (const auto& dir : classDirs) {
        std::vector<std::string> files = sortedImageFiles(dir, true);
        if (files.empty()) continue;  // as ImageFolder: a class needs at least one image
        const std::string className = fs::path(dir).filename().string();
        for (auto& file : files) refs.push_back(ImageRef{std::move(file), int64_t(classes.size()), className});
        classes.push_back(className);
    }
    if (refs.empty())
        throw Error(path, "contains no images (looked for .png, .jpg, .jpeg, .bmp, .tif, .tiff, .webp, .pgm, .ppm, .pnm "
                          "in the folder and in its class sub-folders)");
    return std::make_unique<FolderSource>(path, std::move(refs), std::move(classes));
}

std::vector<float> resizeAndNormalise(const Image& image, int64_t height, int64_t width, const std::vector<float>& mean,
                                      const std::vector<float>& std) {
    const int64_t channels = image.channels;
    if (channels <= 0 || image.height <= 0 || image.width <= 0 ||
        int64_t(image.pixels.size()) != channels * image.height * image.width)
        throw Error(image.ref.id, "image buffer does not match its size");
    if (height <= 0 || width <= 0) throw Error(image.ref.id, "cannot resize to a non-positive size");
    auto perChannel = [&](const std::vector<float>& values, int64_t c, float fallback) {
        if (values.empty()) return fallback;
        if (values.size() == 1) return values[0];
        if (int64_t(values.size()) != channels)
            throw Error(image.ref.id, "normalisation has " + std::to_string(values.size()) + " values for an image with " +
                                          std::to_string(channels) + " channels");
        return values[size_t(c)];
    };
    std::vector<float> out(size_t(channels * height * width));
    const size_t sourcePlane = size_t(image.height * image.width), targetPlane = size_t(height * width);
    for (int64_t c = 0; c < channels; ++c) {
        cv::Mat source(int(image.height), int(image.width), CV_32F, const_cast<float*>(image.pixels.data() + c * sourcePlane));
        cv::Mat target(int(height), int(width), CV_32F, out.data() + c * targetPlane);
        if (height == image.height && width == image.width) source.copyTo(target);
        else cv::resize(source, target, cv::Size(int(width), int(height)), 0, 0, cv::INTER_LINEAR);
        const float m = perChannel(mean, c, 0.0f), s = perChannel(std, c, 1.0f);
        if (s == 0.0f) throw Error(image.ref.id, "normalisation std is zero");
        target.convertTo(target, CV_32F, 1.0 / s, -m / s);  // in place: target wraps out
    }
    return out;
}

}  // namespace cs::data
