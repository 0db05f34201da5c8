// The BLAS report behind `--version` and every run's parameters: classification by path, and
// detection in a process that links LibTorch (as the CLI does).
#include "model/compute_backend.h"

#include <gtest/gtest.h>

using namespace cs::model;

TEST(ComputeBackend, ClassifiesDebianBlasAlternativesByPath) {
    EXPECT_EQ(blasFamilyFromPath("/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3"), "OpenBLAS");
    EXPECT_EQ(blasFamilyFromPath("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"), "OpenBLAS");
    EXPECT_EQ(blasFamilyFromPath("/usr/lib/x86_64-linux-gnu/blis-openmp/libblas.so.3"), "BLIS");
    EXPECT_EQ(blasFamilyFromPath("/usr/lib/x86_64-linux-gnu/atlas/libblas.so.3"), "ATLAS");
    EXPECT_EQ(blasFamilyFromPath("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3"), "reference BLAS");
    EXPECT_EQ(blasFamilyFromPath(""), "unknown");
}

TEST(ComputeBackend, OnlyTheReferenceBlasIsWarnedAbout) {
    ComputeBackend reference;
    reference.blas = "reference BLAS";
    reference.blasLibrary = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3";
    EXPECT_NE(reference.warning().find("libopenblas0-openmp"), std::string::npos);
    ComputeBackend openblas;
    openblas.blas = "OpenBLAS";
    EXPECT_TRUE(openblas.warning().empty());
}

TEST(ComputeBackend, DetectsTheBlasThisProcessLoaded) {
    const ComputeBackend backend = detectComputeBackend();
    ASSERT_FALSE(backend.blasLibrary.empty()) << "LibTorch links libblas.so.3, so one must be loaded";
    EXPECT_EQ(backend.blas, blasFamilyFromPath(backend.blasLibrary));
    EXPECT_GE(backend.torchThreads, 1);
    EXPECT_FALSE(backend.torchVersion.empty());
    if (backend.blas == "OpenBLAS") {
        EXPECT_NE(backend.blasConfig.find("OpenBLAS"), std::string::npos);
        EXPECT_GE(backend.blasThreads, 1);
    }
    const auto json = backend.toJson();
    EXPECT_EQ(json["blas"], backend.blas);
    EXPECT_EQ(json["torch_threads"], backend.torchThreads);
    EXPECT_NE(backend.blasLine().find(backend.blas), std::string::npos);
}
