#include "data/image_decode.h"

#include "common/error.h"
#include "common/input_file.h"

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace cs::data {
namespace fs = std::filesystem;
namespace {

uint32_t be32(const unsigned char* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
uint16_t be16(const unsigned char* p) { return uint16_t(p[0] << 8 | p[1]); }
uint32_t le32(const unsigned char* p) { return uint32_t(p[3]) << 24 | uint32_t(p[2]) << 16 | uint32_t(p[1]) << 8 | p[0]; }
uint16_t le16(const unsigned char* p) { return uint16_t(p[1] << 8 | p[0]); }

[[noreturn]] void truncatedHeader(const std::string& path, const char* format) {
    throw Error(path, std::string("is truncated: its ") + format + " header is cut short");
}

ImageHeader jpegHeader(const std::string& path, const std::vector<unsigned char>& b) {
    // Walk the marker segments up to the first start-of-frame (SOF0..SOF15 except DHT/JPG/DAC).
    size_t i = 2;
    while (i + 4 <= b.size()) {
        if (b[i] != 0xFF) throw Error(path, "is not a valid JPEG file (bad marker)");
        unsigned char marker = b[i + 1];
        if (marker == 0xFF) { ++i; continue; }
        if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) { i += 2; continue; }
        const size_t length = be16(&b[i + 2]);
        if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
            if (i + 9 > b.size()) truncatedHeader(path, "JPEG");
            return {"jpeg", be16(&b[i + 7]), be16(&b[i + 5])};
        }
        if (marker == 0xD9 || marker == 0xDA) break;  // end of image / start of scan before any frame
        i += 2 + length;
    }
    truncatedHeader(path, "JPEG");
}

ImageHeader tiffHeader(const std::string& path, const std::vector<unsigned char>& b) {
    const bool little = b[0] == 'I';
    auto u16 = [&](size_t at) { return little ? le16(&b[at]) : be16(&b[at]); };
    auto u32 = [&](size_t at) { return little ? le32(&b[at]) : be32(&b[at]); };
    if (b.size() < 8) truncatedHeader(path, "TIFF");
    size_t ifd = u32(4);
    if (ifd + 2 > b.size()) truncatedHeader(path, "TIFF");
    const size_t entries = u16(ifd);
    int64_t width = 0, height = 0;
    for (size_t e = 0; e < entries; ++e) {
        const size_t at = ifd + 2 + 12 * e;
        if (at + 12 > b.size()) truncatedHeader(path, "TIFF");
        const uint16_t tag = u16(at), type = u16(at + 2);
        const int64_t value = type == 3 ? u16(at + 8) : u32(at + 8);
        if (tag == 256) width = value;
        if (tag == 257) height = value;
    }
    if (width <= 0 || height <= 0) throw Error(path, "is not a valid TIFF file (no image width/length)");
    return {"tiff", width, height};
}

ImageHeader webpHeader(const std::string& path, const std::vector<unsigned char>& b) {
    if (b.size() < 30) truncatedHeader(path, "WebP");
    if (std::memcmp(&b[12], "VP8 ", 4) == 0) return {"webp", le16(&b[26]) & 0x3FFF, le16(&b[28]) & 0x3FFF};
    if (std::memcmp(&b[12], "VP8L", 4) == 0) {
        const uint32_t bits = le32(&b[21]);
        return {"webp", int64_t(bits & 0x3FFF) + 1, int64_t((bits >> 14) & 0x3FFF) + 1};
    }
    if (std::memcmp(&b[12], "VP8X", 4) == 0) {
        auto u24 = [&](size_t at) { return int64_t(b[at]) | int64_t(b[at + 1]) << 8 | int64_t(b[at + 2]) << 16; };
        return {"webp", u24(24) + 1, u24(27) + 1};
    }
    throw Error(path, "is not a WebP image of a known kind");
}

ImageHeader pnmHeader(const std::string& path, const std::vector<unsigned char>& b) {
    // "P5\n# comment\n<width> <height>\n..."
    size_t i = 2;
    int64_t numbers[2] = {0, 0};
    for (int n = 0; n < 2; ++n) {
        while (i < b.size() && (std::isspace(b[i]) || b[i] == '#')) {
            if (b[i] == '#') while (i < b.size() && b[i] != '\n') ++i;
            else ++i;
        }
        if (i >= b.size() || !std::isdigit(b[i])) truncatedHeader(path, "PNM");
        while (i < b.size() && std::isdigit(b[i]) && numbers[n] < (int64_t(1) << 40)) numbers[n] = numbers[n] * 10 + (b[i++] - '0');
    }
    return {"pnm", numbers[0], numbers[1]};
}

std::vector<unsigned char> readFileBytes(const std::string& path) {
    std::error_code ec;
    requireRegularFile(path, "an image file");
    const auto size = fs::file_size(path, ec);
    if (ec) throw Error(path, "cannot be read: " + ec.message());
    if (size == 0) throw Error(path, "is empty (0 bytes); expected an image");
    if (size > (uintmax_t(1) << 31)) throw Error(path, "is larger than 2 GiB; refusing to read it as an image");
    std::vector<unsigned char> bytes(size);
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(size));
    if (!in) throw Error(path, "cannot be read");
    return bytes;
}

}  // namespace

bool hasImageExtension(const std::string& path) {
    std::string ext = fs::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    for (const char* known : {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm", ".pnm"})
        if (ext == known) return true;
    return false;
}

ImageHeader readImageHeader(const std::string& path, const std::vector<unsigned char>& b) {
    if (b.empty()) throw Error(path, "is empty (0 bytes); expected an image");
    ImageHeader header;
    static const unsigned char kPng[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    if (b.size() >= 8 && std::memcmp(b.data(), kPng, 8) == 0) {
        if (b.size() < 24 || std::memcmp(&b[12], "IHDR", 4) != 0) truncatedHeader(path, "PNG");
        header = {"png", be32(&b[16]), be32(&b[20])};
    } else if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) {
        header = jpegHeader(path, b);
    } else if (b.size() >= 2 && b[0] == 'B' && b[1] == 'M') {
        if (b.size() < 26) truncatedHeader(path, "BMP");
        header = {"bmp", std::abs(int32_t(le32(&b[18]))), std::abs(int32_t(le32(&b[22])))};
    } else if (b.size() >= 4 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0) ||
                                 (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42))) {
        header = tiffHeader(path, b);
    } else if (b.size() >= 12 && std::memcmp(b.data(), "RIFF", 4) == 0 && std::memcmp(&b[8], "WEBP", 4) == 0) {
        header = webpHeader(path, b);
    } else if (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6') {
        header = pnmHeader(path, b);
    } else {
        throw Error(path, "is not an image (unrecognised format; PNG, JPEG, BMP, TIFF, WebP and PNM are supported)");
    }
    if (header.width <= 0 || header.height <= 0)
        throw Error(path, "has invalid image dimensions " + std::to_string(header.width) + "×" + std::to_string(header.height));
    return header;
}

namespace {

bool reducible(const ImageHeader& header, DecodeTarget target) {
    return target.height > 0 && target.width > 0 && header.height >= 2 * target.height && header.width >= 2 * target.width;
}

// libjpeg decodes at 1/2, 1/4 or 1/8 of the size for the cost of that size. Only for a gray or
// color result, which these flags give; the largest factor that keeps both sides >= the target.
int reducedJpegFlag(const ImageHeader& header, int wantChannels, DecodeTarget target) {
    if (header.format != "jpeg" || !reducible(header, target) || wantChannels == 0) return -1;
    for (const int factor : {8, 4, 2}) {
        if (header.width / factor >= target.width && header.height / factor >= target.height) {
            const bool gray = wantChannels == 1;
            if (factor == 8) return gray ? cv::IMREAD_REDUCED_GRAYSCALE_8 : cv::IMREAD_REDUCED_COLOR_8;
            if (factor == 4) return gray ? cv::IMREAD_REDUCED_GRAYSCALE_4 : cv::IMREAD_REDUCED_COLOR_4;
            return gray ? cv::IMREAD_REDUCED_GRAYSCALE_2 : cv::IMREAD_REDUCED_COLOR_2;
        }
    }
    return -1;
}

}  // namespace

Image decodeImageFile(const std::string& path, int wantChannels, DecodeTarget target) {
    if (wantChannels != 0 && wantChannels != 1 && wantChannels != 3)
        throw Error(path, "can be converted to 1 or 3 channels only (asked for " + std::to_string(wantChannels) + ")");
    const std::vector<unsigned char> bytes = readFileBytes(path);
    const ImageHeader header = readImageHeader(path, bytes);
    if (header.width > kMaxImageSide || header.height > kMaxImageSide || header.width * header.height > kMaxImagePixels)
        throw Error(path, "is too large: " + std::to_string(header.width) + "×" + std::to_string(header.height) +
                              " pixels (the limit is " + std::to_string(kMaxImageSide) + " per side and " +
                              std::to_string(kMaxImagePixels) + " pixels)");
    if (header.format == "jpeg") {
        // libjpeg decodes a cut-off JPEG as a grey-filled image with only a warning; refuse it.
        size_t end = bytes.size();
        while (end > 2 && bytes[end - 1] == 0) --end;
        if (end < 2 || bytes[end - 2] != 0xFF || bytes[end - 1] != 0xD9)
            throw Error(path, "is truncated: the JPEG data has no end-of-image marker");
    }

    static const bool quietOpenCv = [] {
        cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
        return true;
    }();
    (void)quietOpenCv;
    cv::Mat raw;
    try {
        const int reducedFlag = reducedJpegFlag(header, wantChannels, target);
        raw = cv::imdecode(cv::Mat(1, int(bytes.size()), CV_8U, const_cast<unsigned char*>(bytes.data())),
                           reducedFlag >= 0 ? reducedFlag : cv::IMREAD_UNCHANGED);
        // Area averaging in the source's own depth, before the float copy: the costly part of a
        // huge image is its float planes, not its decoding.
        if (!raw.empty() && reducible(header, target))
            cv::resize(raw, raw, cv::Size(int(target.width), int(target.height)), 0, 0, cv::INTER_AREA);
    } catch (const cv::Exception& e) {
        throw Error(path, "cannot be decoded as " + header.format + ": " + e.msg);
    }
    if (raw.empty()) throw Error(path, "cannot be decoded as " + header.format + " (corrupt or truncated)");

    // To float in [0,1] by the source's bit depth.
    double scale = 1.0;
    switch (raw.depth()) {
        case CV_8U: scale = 1.0 / 255.0; break;
        case CV_16U: scale = 1.0 / 65535.0; break;
        case CV_8S: scale = 1.0 / 127.0; break;
        case CV_16S: scale = 1.0 / 32767.0; break;
        case CV_32F: case CV_64F: scale = 1.0; break;
        default: throw Error(path, "has an unsupported pixel depth");
    }
    cv::Mat pixels;
    raw.convertTo(pixels, CV_32F, scale);
    if (raw.depth() == CV_32F || raw.depth() == CV_64F) cv::min(cv::max(pixels, 0.0), 1.0, pixels);

    // OpenCV gives BGR(A); the studio works in RGB(A).
    cv::Mat converted;
    const int channels = pixels.channels();
    if (channels == 2) {  // gray + alpha: keep the gray plane (alpha dropped unless kept below)
        std::vector<cv::Mat> planes;
        cv::split(pixels, planes);
        if (wantChannels == 0) cv::merge(planes, converted);
        else pixels = planes[0];
    }
    if (converted.empty()) {
        const int c = pixels.channels();
        if (wantChannels == 1) {
            if (c == 1) converted = pixels;
            else cv::cvtColor(pixels, converted, c == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
        } else if (wantChannels == 3) {
            if (c == 1) cv::cvtColor(pixels, converted, cv::COLOR_GRAY2RGB);
            else cv::cvtColor(pixels, converted, c == 4 ? cv::COLOR_BGRA2RGB : cv::COLOR_BGR2RGB);
        } else {
            if (c == 1) converted = pixels;
            else cv::cvtColor(pixels, converted, c == 4 ? cv::COLOR_BGRA2RGBA : cv::COLOR_BGR2RGB);
        }
    }

    Image image;
    image.ref.id = path;
    image.channels = converted.channels();
    image.height = converted.rows;
    image.width = converted.cols;
    image.sourceHeight = header.height;
    image.sourceWidth = header.width;
    image.pixels.resize(size_t(image.channels * image.height * image.width));
    std::vector<cv::Mat> planes;
    cv::split(converted, planes);
    const size_t plane = size_t(image.height * image.width);
    for (int c = 0; c < int(planes.size()); ++c) {
        cv::Mat continuous = planes[size_t(c)].isContinuous() ? planes[size_t(c)] : planes[size_t(c)].clone();
        std::memcpy(image.pixels.data() + c * plane, continuous.ptr<float>(), plane * sizeof(float));
    }
    return image;
}

}  // namespace cs::data
