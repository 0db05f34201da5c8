#pragma once
// NumPy .npy writer (format version 1.0): magic, little-endian uint16 header length, a
// Python-literal header dict padded with spaces to a multiple of 64 bytes and ending in
// '\n', then C-order little-endian float32 data ('<f4'). numpy.load reads it directly.
#include "common/tensor_blob.h"

#include <string>

namespace cs::report {

// The complete .npy file content for a float32 tensor.
std::string npyBytes(const TensorBlob& tensor);

// Writes the file atomically (temp file + rename); throws cs::Error naming the file.
void writeNpy(const std::string& path, const TensorBlob& tensor);

}  // namespace cs::report
