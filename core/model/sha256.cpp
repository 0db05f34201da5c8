// SHA-256 of a file through OpenSSL's EVP interface, streamed in 1 MiB blocks: the project store
// records the hash of every model so a result can be traced back to the exact file that made it.
#include "common/error.h"
#include "model/model_loader.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <vector>

namespace cs::model {

std::string sha256File(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path, "cannot be opened for reading");
    const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1)
        throw Error(path, "cannot be hashed: OpenSSL has no SHA-256");
    std::vector<char> buffer(1 << 20);
    while (in) {
        in.read(buffer.data(), std::streamsize(buffer.size()));
        if (EVP_DigestUpdate(context.get(), buffer.data(), size_t(in.gcount())) != 1)
            throw Error(path, "read error while hashing");
    }
    if (in.bad()) throw Error(path, "read error while hashing");
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(context.get(), digest, &length) != 1) throw Error(path, "read error while hashing");
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0xf];
    }
    return out;
}

}  // namespace cs::model
