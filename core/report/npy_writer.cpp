#include "report/npy_writer.h"

#include "common/error.h"
#include "common/output_file.h"

#include <cstring>

namespace cs::report {

std::string npyBytes(const TensorBlob& tensor) {
    if (!tensor.valid())
        throw Error("npy", "tensor of shape " + tensor.shapeText() + " holds " + std::to_string(tensor.data.size()) +
                               " values");
    std::string shape = "(";
    for (size_t i = 0; i < tensor.shape.size(); ++i) {
        shape += std::to_string(tensor.shape[i]);
        if (tensor.shape.size() == 1 || i + 1 < tensor.shape.size()) shape += ",";
        if (i + 1 < tensor.shape.size()) shape += " ";
    }
    shape += ")";
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    // magic(6) + version(2) + length(2) + header + '\n' must be a multiple of 64 (numpy aligns
    // the data this way; 16 is the minimum the 1.0 spec asks for, 64 what numpy writes).
    const size_t preamble = 10;
    size_t total = preamble + header.size() + 1;
    const size_t padded = (total + 63) / 64 * 64;
    header.append(padded - total, ' ');
    header += '\n';
    if (header.size() > 65535) throw Error("npy", "shape " + tensor.shapeText() + " is too long for a v1.0 header");

    std::string out;
    out.reserve(padded + tensor.data.size() * 4);
    out += "\x93NUMPY";
    out += static_cast<char>(1);
    out += static_cast<char>(0);
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>((header.size() >> 8) & 0xff);
    out += header;
    out += tensor.dataBytes();  // already little-endian float32
    return out;
}

void writeNpy(const std::string& path, const TensorBlob& tensor) {
    std::string bytes;
    try {
        bytes = npyBytes(tensor);
    } catch (const Error& e) {
        throw Error(path, e.problem());
    }
    writeOutputFile(path, bytes);
}

}  // namespace cs::report
