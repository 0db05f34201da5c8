#include "model/compute_backend.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <dlfcn.h>
#include <link.h>

#include <cstdlib>
#include <filesystem>

namespace cs::model {

namespace {

// Path of the first loaded shared object whose file name starts with libblas.so (what LibTorch
// resolved libblas.so.3 to), with symbolic links resolved so Debian's alternatives show through.
std::string loadedBlasPath() {
    std::string found;
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* data) {
            const std::string name = info->dlpi_name ? info->dlpi_name : "";
            const std::string file = std::filesystem::path(name).filename().string();
            if (file.rfind("libblas.so", 0) == 0 || file.rfind("libopenblas", 0) == 0 || file.rfind("libmkl_rt", 0) == 0 ||
                file.rfind("libblis", 0) == 0) {
                *static_cast<std::string*>(data) = name;
                return file.rfind("libblas.so", 0) == 0 ? 1 : 0;  // libblas.so.3 is what LibTorch calls
            }
            return 0;
        },
        &found);
    if (found.empty()) return {};
    std::error_code error;
    const auto resolved = std::filesystem::canonical(found, error);
    return error ? found : resolved.string();
}

template <typename Function>
Function blasSymbol(const char* name) {
    return reinterpret_cast<Function>(dlsym(RTLD_DEFAULT, name));
}

}  // namespace

std::string blasFamilyFromPath(const std::string& path) {
    auto has = [&](const char* s) { return path.find(s) != std::string::npos; };
    if (path.empty()) return "unknown";
    if (has("openblas")) return "OpenBLAS";
    if (has("blis")) return "BLIS";
    if (has("mkl")) return "MKL";
    if (has("atlas")) return "ATLAS";
    // Debian's reference implementation lives in …/blas/libblas.so.3 (package libblas3).
    if (has("/blas/libblas.so")) return "reference BLAS";
    return "unknown";
}

std::string ComputeBackend::blasLine() const {
    std::string line = "BLAS: " + blas;
    if (!blasConfig.empty()) line += " (" + blasConfig + ")";
    if (!blasLibrary.empty()) line += ", " + blasLibrary;
    if (blasThreads > 0) line += ", " + std::to_string(blasThreads) + " thread" + (blasThreads == 1 ? "" : "s");
    return line;
}

std::string ComputeBackend::warning() const {
    if (!isReferenceBlas()) return {};
    return "matrix products run on the reference BLAS (" + blasLibrary +
           "), about 20x slower than an optimised one; install libopenblas0-openmp (Debian selects it for libblas.so.3)";
}

nlohmann::json ComputeBackend::toJson() const {
    return {{"blas", blas},
            {"blas_library", blasLibrary},
            {"blas_config", blasConfig},
            {"blas_threads", blasThreads},
            {"torch_threads", torchThreads},
            {"torch_version", torchVersion}};
}

ComputeBackend detectComputeBackend() {
    ComputeBackend backend;
    backend.blasLibrary = loadedBlasPath();
    backend.blas = blasFamilyFromPath(backend.blasLibrary);
    // Debian's LAPACK may load libopenblas beside a reference libblas, so OpenBLAS's own symbols
    // describe the BLAS only when libblas.so.3 is OpenBLAS.
    if (backend.blas == "OpenBLAS") {
        if (auto config = blasSymbol<char* (*)()>("openblas_get_config")) backend.blasConfig = config();
        if (auto threads = blasSymbol<int (*)()>("openblas_get_num_threads")) backend.blasThreads = threads();
    }
    backend.torchThreads = torch::get_num_threads();
    backend.torchVersion = TORCH_VERSION;
    return backend;
}

}  // namespace cs::model
