// SHA-256 through OpenSSL's EVP interface. The project store records the hash of every model so a
// result can be traced back to the exact file that made it; the activation cache keys a pass by
// the hash of its inputs (craft/activation_cache.h).
#include "common/error.h"
#include "model/model_loader.h"

#include <openssl/evp.h>

#include <fstream>
#include <functional>
#include <memory>
#include <vector>

namespace cs::model {

namespace {

// Runs `feed` with a function that adds bytes to the digest; returns the digest as lowercase hex.
// `what` names the input in messages.
std::string sha256Of(const std::string& what, const std::function<void(const std::function<void(const void*, size_t)>&)>& feed) {
    const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1)
        throw Error(what, "cannot be hashed: OpenSSL has no SHA-256");
    feed([&](const void* bytes, size_t size) {
        if (EVP_DigestUpdate(context.get(), bytes, size) != 1) throw Error(what, "read error while hashing");
    });
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(context.get(), digest, &length) != 1) throw Error(what, "read error while hashing");
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0xf];
    }
    return out;
}

}  // namespace

std::string sha256File(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path, "cannot be opened for reading");
    return sha256Of(path, [&](const auto& add) {
        // Streamed in 1 MiB blocks: a model file may be gigabytes.
        std::vector<char> buffer(1 << 20);
        while (in) {
            in.read(buffer.data(), std::streamsize(buffer.size()));
            add(buffer.data(), size_t(in.gcount()));
        }
        if (in.bad()) throw Error(path, "read error while hashing");
    });
}

std::string sha256Bytes(const std::vector<std::string_view>& parts) {
    return sha256Of("data", [&](const auto& add) {
        for (const auto& part : parts) add(part.data(), part.size());
    });
}

}  // namespace cs::model
