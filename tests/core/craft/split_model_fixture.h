#pragma once
// The end-to-end fixture of the CRAFT job and CLI tests: the tiny split TorchScript model exported
// by export_split_model.py with Debian's python3, and an MNIST-format IDX pair of smooth patterns
// labelled i % 3, both made once per test program in the build's scratch folder.
#include "test_support.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace cs::craft::test {

inline void writeBigEndian(std::ofstream& out, uint32_t v) {
    const unsigned char b[4] = {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16), static_cast<unsigned char>(v >> 8),
                                static_cast<unsigned char>(v)};
    out.write(reinterpret_cast<const char*>(b), 4);
}

// An MNIST-format pair: n images of 28×28 with smooth patterns and labels i % 3.
inline void writeIdx(const std::filesystem::path& images, const std::filesystem::path& labels, int n) {
    std::ofstream img(images, std::ios::binary), lab(labels, std::ios::binary);
    writeBigEndian(img, 0x00000803);
    writeBigEndian(img, n);
    writeBigEndian(img, 28);
    writeBigEndian(img, 28);
    writeBigEndian(lab, 0x00000801);
    writeBigEndian(lab, n);
    for (int i = 0; i < n; ++i) {
        for (int y = 0; y < 28; ++y)
            for (int x = 0; x < 28; ++x) {
                const double v = 0.5 + 0.5 * std::sin(0.3 * (i + 1) * x + 0.2 * y * (i % 4 + 1)) * std::cos(0.1 * x * y / (i + 1));
                img.put(static_cast<char>(static_cast<unsigned char>(std::clamp(v * 255.0, 0.0, 255.0))));
            }
        lab.put(static_cast<char>(i % 3));
    }
}

struct SplitModelFixture {
    std::filesystem::path dir, model, images;
};

// `name` names the scratch folder, so test programs do not share files.
inline SplitModelFixture makeSplitModelFixture(const std::string& name) {
    SplitModelFixture x;
    x.dir = tempDir(name);
    x.model = x.dir / "tiny_split.pt";
    runPython("import runpy, sys\nsys.argv = ['export', '" + x.model.string() + "', '1', '28', '3', '0']\nrunpy.run_path('" +
                  std::string(CS_CRAFT_TEST_DIR) + "/export_split_model.py', run_name='__main__')\n",
              x.dir);
    x.images = x.dir / "t10k-images-idx3-ubyte";
    writeIdx(x.images, x.dir / "t10k-labels-idx1-ubyte", 24);
    return x;
}

}  // namespace cs::craft::test
