// Images far larger than the model's input are reduced while they are decoded: the pixels come
// out at the target size, the source size is kept for boxes, and the content is the same image
// (its mean colour and a coarse gradient survive). Below twice the target nothing is reduced.
#include "data/image_decode.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <numeric>

namespace cs::data {
namespace {
namespace fs = std::filesystem;

// A 2000×1600 BGR image: red rises left to right, blue top to bottom.
std::string writeGradient(const std::string& name) {
    const fs::path dir = fs::path(CS_TEST_TMP) / "data-tests" / "reduce";
    fs::create_directories(dir);
    cv::Mat image(1600, 2000, CV_8UC3);
    for (int y = 0; y < image.rows; ++y)
        for (int x = 0; x < image.cols; ++x)
            image.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(y * 255 / 1599), 90, uchar(x * 255 / 1999));
    const std::string path = (dir / name).string();
    EXPECT_TRUE(cv::imwrite(path, image));
    return path;
}

double planeMean(const Image& image, int channel) {
    const size_t plane = size_t(image.height * image.width);
    const auto begin = image.pixels.begin() + long(channel * plane);
    return std::accumulate(begin, begin + long(plane), 0.0) / double(plane);
}

TEST(ImageReduction, AHugeImageIsDecodedAtTheTargetSizeAndKeepsItsSourceSize) {
    for (const std::string name : {"big.png", "big.jpg"}) {
        SCOPED_TRACE(name);
        const std::string path = writeGradient(name);
        const Image full = decodeImageFile(path, 3);
        const Image reduced = decodeImageFile(path, 3, DecodeTarget{80, 100});
        EXPECT_EQ(full.height, 1600);
        EXPECT_EQ(reduced.height, 80);
        EXPECT_EQ(reduced.width, 100);
        EXPECT_EQ(reduced.sourceHeight, 1600);
        EXPECT_EQ(reduced.sourceWidth, 2000);
        ASSERT_EQ(reduced.pixels.size(), size_t(3 * 80 * 100));
        for (int c = 0; c < 3; ++c) EXPECT_NEAR(planeMean(reduced, c), planeMean(full, c), 0.02) << c;
        // RGB order: red grows to the right, blue downwards.
        const auto at = [&](int c, int y, int x) { return reduced.pixels[size_t(c * 8000 + y * 100 + x)]; };
        EXPECT_LT(at(0, 40, 2), at(0, 40, 97));
        EXPECT_LT(at(2, 2, 50), at(2, 77, 50));
    }
}

TEST(ImageReduction, BelowTwiceTheTargetTheFullImageIsDecoded) {
    const std::string path = writeGradient("medium.png");
    const Image image = decodeImageFile(path, 1, DecodeTarget{1000, 1200});
    EXPECT_EQ(image.height, 1600);
    EXPECT_EQ(image.width, 2000);
    EXPECT_EQ(image.channels, 1);
}

}  // namespace
}  // namespace cs::data
