#pragma once
// ComputeBackend: what the engine's matrix products run on. LibTorch sends float32 matrix
// products to whichever libblas.so.3 the system's alternatives select, and on Debian that can be
// the reference BLAS, about 20x slower than an optimised one; so the studio says which library
// it found (`concept-studio-cli --version`, the GUI's About box, every run's parameters) and
// warns when it is the reference one.
#include <nlohmann/json.hpp>

#include <string>

namespace cs::model {

struct ComputeBackend {
    std::string blas = "unknown";  // OpenBLAS | BLIS | MKL | ATLAS | reference BLAS | unknown
    std::string blasLibrary;       // resolved path of the libblas loaded in this process
    std::string blasConfig;        // the library's own description (OpenBLAS: openblas_get_config())
    int blasThreads = 0;           // threads the BLAS uses (0 when it does not say)
    int torchThreads = 0;          // LibTorch intra-op threads
    std::string torchVersion;

    bool isReferenceBlas() const { return blas == "reference BLAS"; }
    // One line for --version and logs, e.g. "BLAS: OpenBLAS 0.3.21 (…/openblas-openmp/libblas.so.3), 2 threads".
    std::string blasLine() const;
    // Empty unless the BLAS is a known slow one; then what to install.
    std::string warning() const;
    nlohmann::json toJson() const;
};

// Reads the BLAS this process has loaded (LibTorch loads it at start) and LibTorch's threads.
ComputeBackend detectComputeBackend();

// Classifies a BLAS library by its resolved path (exposed for tests).
std::string blasFamilyFromPath(const std::string& resolvedPath);

}  // namespace cs::model
