#include "sae/sae_family.h"

#include "common/error.h"

namespace cs::sae {

namespace {
constexpr SaeFamily kFamilies[] = {SaeFamily::TopK, SaeFamily::BatchTopK, SaeFamily::JumpRelu, SaeFamily::Matryoshka,
                                   SaeFamily::ReluL1};
}

const char* toString(SaeFamily family) {
    switch (family) {
        case SaeFamily::TopK: return "topk";
        case SaeFamily::BatchTopK: return "batchtopk";
        case SaeFamily::JumpRelu: return "jumprelu";
        case SaeFamily::Matryoshka: return "matryoshka";
        case SaeFamily::ReluL1: return "relu-l1";
    }
    return "topk";
}

SaeFamily saeFamilyFromString(const std::string& name) {
    for (SaeFamily f : kFamilies)
        if (name == toString(f)) return f;
    throw Error("--sae", "unknown SAE family '" + name + "' (expected topk, batchtopk, jumprelu, matryoshka or relu-l1)");
}

std::vector<std::string> saeFamilyNames() {
    std::vector<std::string> names;
    for (SaeFamily f : kFamilies) names.emplace_back(toString(f));
    return names;
}

}  // namespace cs::sae
