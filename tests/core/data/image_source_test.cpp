// Image sources and decoding: folders, ImageFolder trees, IDX (gz or not), pixel formats, and
// every broken input (not an image, truncated, 0 bytes, 20000×20000, bad IDX).
#include "common/error.h"
#include "data/idx_file.h"
#include "data/image_decode.h"
#include "data/image_source.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sys/stat.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

namespace cs::data {
namespace {
namespace fs = std::filesystem;

fs::path freshDir(const std::string& name) {
    fs::path dir = fs::path(CS_TEST_TMP) / "data-tests" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string readAll(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void writeAll(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), std::streamsize(bytes.size()));
}

// The problem text of the cs::Error that `body` throws; checks the subject is `subject`.
template <class F>
std::string errorOf(F body, const std::string& subject) {
    try {
        body();
    } catch (const cs::Error& e) {
        EXPECT_EQ(e.subject(), subject) << e.what();
        return e.problem();
    }
    ADD_FAILURE() << "no cs::Error for " << subject;
    return {};
}

cv::Mat noise(int rows, int cols, int type, uint64_t seed = 1) {
    cv::Mat m(rows, cols, type);
    cv::RNG rng(seed);
    rng.fill(m, cv::RNG::UNIFORM, 0, CV_MAT_DEPTH(type) == CV_16U ? 65535 : 255);
    return m;
}

TEST(Decode, GrayRgbRgbaAnd16BitPng) {
    fs::path dir = freshDir("formats");
    cv::Mat bgr(2, 3, CV_8UC3, cv::Scalar(10, 20, 30));  // B, G, R
    cv::imwrite((dir / "rgb.png").string(), bgr);
    Image rgb = decodeImageFile((dir / "rgb.png").string(), 0);
    ASSERT_EQ(rgb.channels, 3);
    EXPECT_EQ(rgb.height, 2);
    EXPECT_EQ(rgb.width, 3);
    EXPECT_FLOAT_EQ(rgb.pixels[0], 30.0f / 255.0f);          // R plane first
    EXPECT_FLOAT_EQ(rgb.pixels[2 * 6], 10.0f / 255.0f);      // B plane last
    Image gray = decodeImageFile((dir / "rgb.png").string(), 1);
    ASSERT_EQ(gray.channels, 1);
    EXPECT_NEAR(gray.pixels[0], (0.299 * 30 + 0.587 * 20 + 0.114 * 10) / 255.0, 1e-3);

    cv::Mat bgra(4, 4, CV_8UC4, cv::Scalar(0, 0, 255, 128));
    cv::imwrite((dir / "rgba.png").string(), bgra);
    Image keep = decodeImageFile((dir / "rgba.png").string(), 0);
    ASSERT_EQ(keep.channels, 4);
    EXPECT_FLOAT_EQ(keep.pixels[0], 1.0f);                      // R
    EXPECT_NEAR(keep.pixels[3 * 16], 128.0f / 255.0f, 1e-6);    // alpha
    Image dropped = decodeImageFile((dir / "rgba.png").string(), 3);
    EXPECT_EQ(dropped.channels, 3);

    cv::Mat deep(3, 3, CV_16UC1, cv::Scalar(65535));
    deep.at<uint16_t>(1, 1) = 32768;
    cv::imwrite((dir / "deep.png").string(), deep);
    Image d = decodeImageFile((dir / "deep.png").string(), 3);
    ASSERT_EQ(d.channels, 3);
    EXPECT_FLOAT_EQ(d.pixels[0], 1.0f);
    EXPECT_NEAR(d.pixels[4], 32768.0f / 65535.0f, 1e-6);
    EXPECT_NEAR(d.pixels[9 + 4], 32768.0f / 65535.0f, 1e-6);  // gray copied to every channel

    cv::imwrite((dir / "photo.jpg").string(), noise(16, 16, CV_8UC3));
    EXPECT_EQ(decodeImageFile((dir / "photo.jpg").string(), 3).channels, 3);
    cv::imwrite((dir / "plain.bmp").string(), noise(5, 7, CV_8UC1));
    Image bmp = decodeImageFile((dir / "plain.bmp").string(), 0);
    EXPECT_EQ(bmp.width, 7);
    EXPECT_EQ(bmp.height, 5);
}

TEST(Decode, BrokenImagesNameTheFileAndProblem) {
    fs::path dir = freshDir("broken");
    const std::string text = (dir / "notes.png").string();
    writeAll(text, "this is not an image at all\n");
    EXPECT_NE(errorOf([&] { decodeImageFile(text, 3); }, text).find("is not an image"), std::string::npos);

    const std::string empty = (dir / "empty.png").string();
    writeAll(empty, "");
    EXPECT_NE(errorOf([&] { decodeImageFile(empty, 3); }, empty).find("is empty (0 bytes)"), std::string::npos);

    cv::imwrite((dir / "whole.png").string(), noise(64, 64, CV_8UC3));
    const std::string png = readAll(dir / "whole.png");
    const std::string cutPng = (dir / "cut.png").string();
    writeAll(cutPng, png.substr(0, png.size() / 2));
    EXPECT_NE(errorOf([&] { decodeImageFile(cutPng, 3); }, cutPng).find("corrupt or truncated"), std::string::npos);
    const std::string headerOnly = (dir / "header-only.png").string();
    writeAll(headerOnly, png.substr(0, 12));
    EXPECT_NE(errorOf([&] { decodeImageFile(headerOnly, 3); }, headerOnly).find("is truncated"), std::string::npos);

    cv::imwrite((dir / "whole.jpg").string(), noise(64, 64, CV_8UC3));
    const std::string jpg = readAll(dir / "whole.jpg");
    const std::string cutJpg = (dir / "cut.jpg").string();
    writeAll(cutJpg, jpg.substr(0, jpg.size() / 2));
    EXPECT_NE(errorOf([&] { decodeImageFile(cutJpg, 3); }, cutJpg).find("truncated"), std::string::npos);
}

TEST(Decode, HugeImageIsRefusedFromItsHeaderAlone) {
    // A PNG signature and an IHDR chunk declaring 20000×20000, and nothing else: if the decoder
    // were reached it would fail differently; the size check must come first.
    fs::path dir = freshDir("huge");
    std::string bytes("\x89PNG\r\n\x1a\n", 8);
    auto be32 = [](uint32_t v) {
        return std::string{char(v >> 24), char(v >> 16 & 0xff), char(v >> 8 & 0xff), char(v & 0xff)};
    };
    std::string ihdr = "IHDR" + be32(20000) + be32(20000) + std::string("\x08\x02\x00\x00\x00", 5);
    bytes += be32(13) + ihdr + be32(uint32_t(crc32(0, reinterpret_cast<const Bytef*>(ihdr.data()), uInt(ihdr.size()))));
    const std::string path = (dir / "huge.png").string();
    writeAll(path, bytes);
    std::string problem = errorOf([&] { decodeImageFile(path, 3); }, path);
    EXPECT_NE(problem.find("is too large: 20000×20000"), std::string::npos) << problem;

    // Through an image source, as a run would see it.
    auto source = openImageSource(dir.string());
    ASSERT_EQ(source->images().size(), 1u);
    EXPECT_THROW(source->load(0, 3), cs::Error);
}

TEST(Sources, FlatFolderAndImageFolderTree) {
    fs::path flat = freshDir("flat");
    for (const char* name : {"c.png", "a.png", "b.jpg"}) cv::imwrite((flat / name).string(), noise(8, 8, CV_8UC3));
    writeAll(flat / "readme.txt", "ignored");
    auto source = openImageSource(flat.string());
    ASSERT_EQ(source->images().size(), 3u);
    EXPECT_EQ(fs::path(source->images()[0].id).filename(), "a.png");
    EXPECT_EQ(source->images()[0].label, -1);
    EXPECT_TRUE(source->classNames().empty());
    Image image = source->load(2, 1);
    EXPECT_EQ(image.channels, 1);
    EXPECT_EQ(fs::path(image.ref.id).filename(), "c.png");

    fs::path tree = freshDir("tree");
    for (const char* cls : {"zebra", "ant", "empty-class"}) fs::create_directories(tree / cls);
    cv::imwrite((tree / "zebra" / "z1.png").string(), noise(8, 8, CV_8UC1));
    cv::imwrite((tree / "ant" / "a1.png").string(), noise(8, 8, CV_8UC1));
    fs::create_directories(tree / "ant" / "nested");
    cv::imwrite((tree / "ant" / "nested" / "a2.png").string(), noise(8, 8, CV_8UC1));
    auto folder = openImageSource(tree.string());
    EXPECT_EQ(folder->classNames(), (std::vector<std::string>{"ant", "zebra"}));
    ASSERT_EQ(folder->images().size(), 3u);
    EXPECT_EQ(folder->images()[0].label, 0);
    EXPECT_EQ(folder->images()[0].className, "ant");
    EXPECT_EQ(folder->images()[2].label, 1);
    EXPECT_EQ(folder->images()[2].className, "zebra");

    fs::path none = freshDir("none");
    EXPECT_NE(errorOf([&] { openImageSource(none.string()); }, none.string()).find("contains no images"), std::string::npos);
    const std::string missing = (none / "missing").string();
    EXPECT_NE(errorOf([&] { openImageSource(missing); }, missing).find("does not exist"), std::string::npos);
}

// The kind a project records for a dataset comes from the source itself, not from its path:
// a folder whose name says "idx" is still a folder, an IDX file named anything is still IDX.
TEST(Sources, KindIsTheSourcesOwn) {
    fs::path flat = freshDir("kind-idx-named-folder");
    cv::imwrite((flat / "a.png").string(), noise(8, 8, CV_8UC1));
    EXPECT_EQ(openImageSource(flat.string())->kind(), "image-folder");
    EXPECT_EQ(openImageSource((flat / "a.png").string())->kind(), "image-folder");

    fs::path tree = freshDir("kind-tree-ubyte");
    fs::create_directories(tree / "cat");
    cv::imwrite((tree / "cat" / "c.png").string(), noise(8, 8, CV_8UC1));
    EXPECT_EQ(openImageSource(tree.string())->kind(), "image-folder-tree");

    fs::path dir = freshDir("kind-idx");
    const std::string header = std::string("\0\0\x08\x03", 4) + std::string("\0\0\0\x01", 4) + std::string("\0\0\0\x02", 4) +
                               std::string("\0\0\0\x02", 4);
    writeAll(dir / "digits.bin", header + std::string(4, '\x10'));
    EXPECT_EQ(openImageSource((dir / "digits.bin").string())->kind(), "idx");
}

// An IDX images file (optionally gzipped) of `count` rows×cols images with pixel = index + row.
std::string idxImages(uint32_t magic, uint32_t count, uint32_t rows, uint32_t cols, size_t bodyBytes) {
    auto be32 = [](uint32_t v) {
        return std::string{char(v >> 24), char(v >> 16 & 0xff), char(v >> 8 & 0xff), char(v & 0xff)};
    };
    std::string bytes = be32(magic) + be32(count) + be32(rows) + be32(cols);
    for (size_t i = 0; i < bodyBytes; ++i) bytes += char(i % 251);
    return bytes;
}

void writeGz(const fs::path& path, const std::string& bytes) {
    gzFile out = gzopen(path.c_str(), "wb");
    gzwrite(out, bytes.data(), unsigned(bytes.size()));
    gzclose(out);
}

TEST(Idx, PlainAndGzippedWithLabelsBeside) {
    fs::path dir = freshDir("idx");
    const std::string images = idxImages(kIdxImagesMagic, 3, 4, 5, 60);
    const std::string labels = std::string("\0\0\x08\x01\0\0\0\x03", 8) + std::string("\x07\x02\x09", 3);
    writeAll(dir / "train-images-idx3-ubyte", images);
    writeAll(dir / "train-labels-idx1-ubyte", labels);
    writeGz(dir / "t10k-images-idx3-ubyte.gz", images);
    writeGz(dir / "t10k-labels-idx1-ubyte.gz", labels);
    for (const char* name : {"train-images-idx3-ubyte", "t10k-images-idx3-ubyte.gz"}) {
        const std::string path = (dir / name).string();
        auto source = openImageSource(path);
        ASSERT_EQ(source->images().size(), 3u) << name;
        EXPECT_EQ(source->images()[1].id, path + "#1");
        EXPECT_EQ(source->images()[1].label, 2);
        Image image = source->load(1, 3);
        EXPECT_EQ(image.channels, 3);
        EXPECT_EQ(image.height, 4);
        EXPECT_EQ(image.width, 5);
        EXPECT_FLOAT_EQ(image.pixels[0], 20.0f / 255.0f);  // first pixel of image 1 is body byte 20
        EXPECT_FLOAT_EQ(image.pixels[20], 20.0f / 255.0f);
    }
    // No labels beside: label -1.
    fs::path alone = freshDir("idx-alone");
    writeAll(alone / "images.idx", images);
    EXPECT_EQ(openImageSource((alone / "images.idx").string())->images()[0].label, -1);
}

TEST(Idx, WrongMagicShortBodyAndLabelMismatch) {
    fs::path dir = freshDir("idx-bad");
    const std::string wrongMagic = (dir / "wrong-images-idx3-ubyte").string();
    writeAll(wrongMagic, idxImages(0x00000804, 3, 4, 5, 60));
    std::string problem = errorOf([&] { openImageSource(wrongMagic); }, wrongMagic);
    EXPECT_NE(problem.find("magic number 0x00000804, expected 0x00000803"), std::string::npos) << problem;

    const std::string labelsGiven = (dir / "labels-instead").string();
    writeAll(labelsGiven, std::string("\0\0\x08\x01\0\0\0\x01\x05", 9));
    EXPECT_NE(errorOf([&] { openImageSource(labelsGiven); }, labelsGiven).find("is an IDX labels file"), std::string::npos);

    const std::string shortBody = (dir / "short-images-idx3-ubyte.gz").string();
    writeGz(shortBody, idxImages(kIdxImagesMagic, 3, 4, 5, 45));
    problem = errorOf([&] { openImageSource(shortBody); }, shortBody);
    EXPECT_NE(problem.find("IDX body is short: expected 60 bytes for 3 images of 4×5, found 45"), std::string::npos) << problem;

    const std::string cutHeader = (dir / "cut-header").string();
    writeAll(cutHeader, idxImages(kIdxImagesMagic, 3, 4, 5, 0).substr(0, 10));
    EXPECT_NE(errorOf([&] { openImageSource(cutHeader); }, cutHeader).find("IDX header is cut short"), std::string::npos);

    writeAll(dir / "pair-images-idx3-ubyte", idxImages(kIdxImagesMagic, 3, 4, 5, 60));
    const std::string pairLabels = (dir / "pair-labels-idx1-ubyte").string();
    writeAll(pairLabels, std::string("\0\0\x08\x01\0\0\0\x02\x01\x02", 10));
    problem = errorOf([&] { openImageSource((dir / "pair-images-idx3-ubyte").string()); }, pairLabels);
    EXPECT_NE(problem.find("has 2 labels but"), std::string::npos) << problem;

    const std::string empty = (dir / "empty-idx").string();
    writeAll(empty, "");
    EXPECT_NE(errorOf([&] { openImageSource(empty); }, empty).find("is empty (0 bytes)"), std::string::npos);
}

TEST(Idx, FashionMnistTestSetFromTheDebianPackage) {
    const std::string path = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
    if (!fs::exists(path)) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
    auto source = openImageSource(path);
    ASSERT_EQ(source->images().size(), 10000u);
    EXPECT_EQ(source->images()[0].label, 9);  // the first test image is an ankle boot
    Image image = source->load(0, 1);
    EXPECT_EQ(image.height, 28);
    EXPECT_EQ(image.width, 28);
}

TEST(ResizeAndNormalise, BilinearHalfPixelCentresAndPerChannelNormalisation) {
    Image image;
    image.ref.id = "synthetic";
    image.channels = 2;
    image.height = 1;
    image.width = 2;
    image.pixels = {0.0f, 1.0f, 0.5f, 0.5f};
    std::vector<float> out = resizeAndNormalise(image, 1, 4, {0.0f, 0.5f}, {1.0f, 0.25f});
    ASSERT_EQ(out.size(), 8u);
    // align_corners=false: source x = (i + 0.5) / 2 - 0.5 → 0, 0.25, 0.75, 1 (edges clamped).
    EXPECT_NEAR(out[0], 0.0f, 1e-6);
    EXPECT_NEAR(out[1], 0.25f, 1e-6);
    EXPECT_NEAR(out[2], 0.75f, 1e-6);
    EXPECT_NEAR(out[3], 1.0f, 1e-6);
    for (int i = 4; i < 8; ++i) EXPECT_NEAR(out[size_t(i)], 0.0f, 1e-6);  // (0.5 - 0.5) / 0.25
    std::vector<float> same = resizeAndNormalise(image, 1, 2, {}, {});
    EXPECT_EQ(same, image.pixels);
    EXPECT_THROW(resizeAndNormalise(image, 1, 2, {0.1f, 0.2f, 0.3f}, {}), cs::Error);
}

}  // namespace
}  // namespace cs::data

namespace cs::data {
namespace {

// A FIFO named as an image (or as the image source) would block the reader until something
// writes to it; it is refused up front by its type, and so is a character device.
TEST(ImageSource, FifoAndDeviceAreRefusedWithoutBeingOpened) {
    const fs::path dir = freshDir("fifo");
    const std::string fifo = (dir / "picture.png").string();
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_NE(errorOf([&] { openImageSource(fifo); }, fifo).find("is not a regular file"), std::string::npos);
    EXPECT_NE(errorOf([&] { decodeImageFile(fifo, 3); }, fifo).find("is not a regular file"), std::string::npos);
    EXPECT_NE(errorOf([&] { openImageSource("/dev/zero"); }, "/dev/zero").find("is not a regular file"),
              std::string::npos);
    EXPECT_NE(errorOf([&] { decodeImageFile(dir.string(), 3); }, dir.string()).find("is a folder"), std::string::npos);
}

}  // namespace
}  // namespace cs::data
