# Finds every third-party dependency once, so module CMakeLists only link targets.
find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
# Debian splits OpenCV per module and ships OpenCVConfig.cmake only with the full libopencv-dev
# (which drags in highgui and Qt5), so the three modules we use are found directly.
find_path(CS_OPENCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
foreach(m core imgproc imgcodecs)
  find_library(CS_OPENCV_${m} opencv_${m} REQUIRED)
endforeach()
find_package(Boost REQUIRED)
find_package(ZLIB REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)  # SHA-256 of model files
# Debian's libtorch-dev ships a CMake config under /usr/share/cmake/Torch or /usr/lib/.../cmake/Torch.
find_package(Torch REQUIRED)

# One interface target for "this code uses LibTorch", with a shared precompiled header.
add_library(cs_torch INTERFACE)
target_link_libraries(cs_torch INTERFACE ${TORCH_LIBRARIES})
target_include_directories(cs_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})

add_library(cs_opencv INTERFACE)
target_link_libraries(cs_opencv INTERFACE ${CS_OPENCV_imgcodecs} ${CS_OPENCV_imgproc} ${CS_OPENCV_core})
target_include_directories(cs_opencv SYSTEM INTERFACE ${CS_OPENCV_INCLUDE_DIR})

# The torch PCH is built once (cs_torch_pch) and reused by every LibTorch-using target.
option(CS_UNITY_BUILD "Compile the LibTorch libraries in unity batches (one PCH load per batch)" ON)
function(cs_use_torch_pch target)
  target_precompile_headers(${target} REUSE_FROM cs_torch_pch)
  # Loading the LibTorch PCH costs about 10 s per translation unit on its own (it is 600 MB), more
  # than most of the studio's files take to compile; a unity build loads it once for a batch of
  # files. Libraries only: an executable here is a test or a bench of one or two files.
  get_target_property(kind ${target} TYPE)
  if(kind STREQUAL "STATIC_LIBRARY" OR kind STREQUAL "MODULE_LIBRARY" OR kind STREQUAL "SHARED_LIBRARY")
    set_target_properties(${target} PROPERTIES UNITY_BUILD ${CS_UNITY_BUILD} UNITY_BUILD_BATCH_SIZE 6)
  endif()
  # The PCH is library code (-fPIC). GCC ignores it, with a warning, in -fPIE objects, and
  # compiles every LibTorch header again; so executables that reuse it compile as -fPIC too.
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    target_compile_options(${target} PRIVATE -fPIC)
  endif()
endfunction()
