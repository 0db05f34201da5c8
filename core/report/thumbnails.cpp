#include "report/thumbnails.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "data/image_source.h"

#include <algorithm>
#include <filesystem>
#include <vector>

namespace cs::report {
namespace {

cv::Scalar bgrFromHex(const std::string& hex) {
    if (hex.size() != 7 || hex[0] != '#') return cv::Scalar(128, 128, 128);
    const unsigned long v = std::stoul(hex.substr(1), nullptr, 16);
    return cv::Scalar(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff);
}

std::string encodeFramed(cv::Mat image, int maxSide, const std::string& frameColor, int frame) {
    if (image.empty()) return {};
    if (image.depth() != CV_8U) {
        cv::Mat converted;
        double lo = 0, hi = 0;
        cv::minMaxLoc(image.reshape(1), &lo, &hi);
        image.convertTo(converted, CV_8U, hi > 1.0 ? (hi > 255.0 ? 255.0 / hi : 1.0) : 255.0);
        image = converted;
    }
    if (image.channels() == 1) cv::cvtColor(image, image, cv::COLOR_GRAY2BGR);
    if (image.channels() == 4) cv::cvtColor(image, image, cv::COLOR_BGRA2BGR);
    const int longer = std::max(image.cols, image.rows);
    if (maxSide > 0 && longer != maxSide) {
        const double scale = static_cast<double>(maxSide) / longer;
        cv::Mat resized;
        cv::resize(image, resized,
                   cv::Size(std::max(1, static_cast<int>(image.cols * scale + 0.5)),
                            std::max(1, static_cast<int>(image.rows * scale + 0.5))),
                   0, 0, scale < 1.0 ? cv::INTER_AREA : cv::INTER_NEAREST);
        image = resized;
    }
    if (frame > 0 && !frameColor.empty())
        cv::copyMakeBorder(image, image, frame, frame, frame, frame, cv::BORDER_CONSTANT, bgrFromHex(frameColor));
    std::vector<uchar> bytes;
    if (!cv::imencode(".png", image, bytes)) return {};
    return std::string(bytes.begin(), bytes.end());
}

}  // namespace

std::string reframePng(const std::string& encodedImage, int maxSide, const std::string& frameColor, int frame) {
    try {
        std::vector<uchar> buffer(encodedImage.begin(), encodedImage.end());
        cv::Mat image = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
        return encodeFramed(image, maxSide, frameColor, frame);
    } catch (const cv::Exception&) {
        return {};
    }
}

struct CropCutter::Cache {
    std::map<std::string, cv::Mat> images;  // empty Mat = could not load (remembered)
    std::map<std::string, std::unique_ptr<data::ImageSource>> idxSources;
};

CropCutter::CropCutter() : cache_(std::make_unique<Cache>()) {}
CropCutter::~CropCutter() = default;

std::string CropCutter::cropPng(const std::string& sourceImage, int64_t x, int64_t y, int64_t w, int64_t h,
                                int maxSide, const std::string& frameColor) {
    auto it = cache_->images.find(sourceImage);
    if (it == cache_->images.end()) {
        cv::Mat image;
        try {
            const auto hash = sourceImage.rfind('#');
            std::error_code ec;
            if (std::filesystem::is_regular_file(sourceImage, ec)) {
                image = cv::imread(sourceImage, cv::IMREAD_COLOR);
            }
            else if (hash != std::string::npos) {
                const std::string file = sourceImage.substr(0, hash);
                const size_t index = std::stoul(sourceImage.substr(hash + 1));
                auto& source = cache_->idxSources[file];
                if (!source) source = data::openImageSource(file);
                data::Image decoded = source->load(index, 0);
                const int channels = static_cast<int>(decoded.channels);
                cv::Mat planar(static_cast<int>(decoded.height * channels), static_cast<int>(decoded.width), CV_32F,
                               decoded.pixels.data());
                std::vector<cv::Mat> planes;
                for (int c = 0; c < channels; ++c)
                    planes.push_back(planar.rowRange(static_cast<int>(c * decoded.height),
                                                     static_cast<int>((c + 1) * decoded.height)).clone());
                if (channels == 3) std::swap(planes[0], planes[2]);  // RGB → OpenCV's BGR
                cv::Mat merged;
                cv::merge(planes, merged);
                merged.convertTo(image, CV_8U, 255.0);
            }
        } catch (const std::exception&) {
            image = cv::Mat();
        }
        it = cache_->images.emplace(sourceImage, image).first;
    }
    const cv::Mat& image = it->second;
    if (image.empty() || w <= 0 || h <= 0) return {};
    const cv::Rect box = cv::Rect(static_cast<int>(x), static_cast<int>(y), static_cast<int>(w), static_cast<int>(h)) &
                         cv::Rect(0, 0, image.cols, image.rows);
    if (box.area() <= 0) return {};
    return encodeFramed(image(box).clone(), maxSide, frameColor, 3);
}

}  // namespace cs::report
