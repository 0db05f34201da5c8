#pragma once
// The TorchScript fixtures of the model and plugin tests, exported once per build tree by
// make_model_fixtures.py with Debian's python3-torch/torchvision (no download: random init).
// Written to a temporary folder and renamed into place, so parallel test processes never see
// a half-written set.
#include <gtest/gtest.h>
#include <torch/script.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <unistd.h>

namespace cs::test {

// Runs `CS_PYTHON script OUTDIR [mode]` once per build tree and returns OUTDIR.
inline std::string exportOnce(const std::string& script, const std::string& name, const std::string& mode = {}) {
    namespace fs = std::filesystem;
    // Keyed by the script's modification time, so an edited script re-exports.
    const auto stamp = fs::last_write_time(script).time_since_epoch().count();
    const fs::path final = fs::path(CS_TEST_TMP) / (name + "-" + std::to_string(stamp));
    if (fs::exists(final / "done")) return final.string();
    const fs::path scratch = fs::path(CS_TEST_TMP) / (name + ".tmp." + std::to_string(getpid()));
    fs::remove_all(scratch);
    const std::string command = std::string(CS_PYTHON) + " " + script + " " + scratch.string() + " " + mode + " > " +
                                scratch.string() + ".log 2>&1";
    if (std::system(command.c_str()) != 0) {
        std::ifstream log(scratch.string() + ".log");
        std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
        ADD_FAILURE() << "fixture export failed: " << command << "\n" << text;
        return std::string();
    }
    std::ofstream(scratch / "done") << "ok\n";
    std::error_code ec;
    fs::rename(scratch, final, ec);  // another process may have won the race: use its copy
    if (ec) fs::remove_all(scratch);
    return final.string();
}

#ifdef CS_MODEL_FIXTURE_SCRIPT
inline std::string modelFixtureDir() {
    static const std::string dir = exportOnce(CS_MODEL_FIXTURE_SCRIPT, "model-fixtures");
    return dir;
}

inline std::string fixture(const std::string& name) { return modelFixtureDir() + "/" + name; }

// A reference tensor saved by make_model_fixtures.py (buffers of <name>.ref.pt).
inline at::Tensor reference(const std::string& set, const std::string& tensor) {
    static std::map<std::string, torch::jit::Module> loaded;
    auto it = loaded.find(set);
    if (it == loaded.end()) it = loaded.emplace(set, torch::jit::load(fixture(set + ".ref.pt"))).first;
    return it->second.attr(tensor).toTensor();
}

#endif

// Largest absolute difference, for messages.
inline double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

}  // namespace cs::test
