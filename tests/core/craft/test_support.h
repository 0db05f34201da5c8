#pragma once
// What the CRAFT tests share: running Debian's python3 on a script for reference values,
// exchanging float32 matrices as raw little-endian files, and reading .npy fixtures.
#include <torch/torch.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace cs::craft::test {

inline std::filesystem::path tempDir(const std::string& name) {
    auto dir = std::filesystem::path(CS_TEST_TMP) / ("craft_" + name);
    std::filesystem::create_directories(dir);
    return dir;
}

// Runs `script` with CS_PYTHON; returns stdout. Throws on a non-zero exit.
inline std::string runPython(const std::string& script, const std::filesystem::path& dir) {
    auto file = dir / "script.py";
    std::ofstream(file) << script;
    std::string command = std::string(CS_PYTHON) + " " + file.string() + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot start python");
    std::string out;
    std::array<char, 4096> buffer{};
    while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
    const int status = pclose(pipe);
    if (status != 0) throw std::runtime_error("python failed: " + out);
    return out;
}

inline void writeRaw(const at::Tensor& t, const std::filesystem::path& file) {
    at::Tensor c = t.to(torch::kFloat32).contiguous();
    std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(c.data_ptr<float>()), c.numel() * 4);
}

inline at::Tensor readRaw(const std::filesystem::path& file, std::vector<int64_t> shape) {
    at::Tensor t = torch::empty(shape, torch::kFloat32);
    std::ifstream in(file, std::ios::binary);
    in.read(reinterpret_cast<char*>(t.data_ptr<float>()), t.numel() * 4);
    if (!in) throw std::runtime_error("short read: " + file.string());
    return t;
}

// Minimal .npy reader for little-endian float32 C-order arrays.
inline at::Tensor readNpyFloat32(const std::string& path, std::vector<int64_t> shape) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    char magic[8];
    in.read(magic, 8);
    if (std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error("not an npy file: " + path);
    uint32_t headerLength = 0;
    if (magic[6] == 1) {
        uint16_t h;
        in.read(reinterpret_cast<char*>(&h), 2);
        headerLength = h;
    } else {
        in.read(reinterpret_cast<char*>(&headerLength), 4);
    }
    std::string header(headerLength, '\0');
    in.read(header.data(), headerLength);
    if (header.find("'<f4'") == std::string::npos || header.find("'fortran_order': False") == std::string::npos)
        throw std::runtime_error("expected C-order float32 npy: " + header);
    at::Tensor t = torch::empty(shape, torch::kFloat32);
    in.read(reinterpret_cast<char*>(t.data_ptr<float>()), t.numel() * 4);
    if (!in) throw std::runtime_error("short npy: " + path);
    return t;
}

inline std::vector<double> parseNumbers(const std::string& text) {
    std::vector<double> values;
    std::istringstream in(text);
    double v;
    while (in >> v) values.push_back(v);
    return values;
}

}  // namespace cs::craft::test
