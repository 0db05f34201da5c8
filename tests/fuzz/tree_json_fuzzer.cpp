// Tree files of `concept-studio-cli layout` (JSON), parsed and laid out with both methods.
#include "common/error.h"
#include "layout/layout.h"
#include "layout/tree_json.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const cs::layout::LayoutNode tree = cs::layout::parseLayoutTree(text, "tree.json");
        // Laying out is the geometry's business, not the parser's: small trees only, so each input
        // stays fast enough to fuzz the parser.
        if (cs::layout::countNodes(tree) <= 32)
            for (const auto method : {cs::layout::LayoutMethod::Squarified, cs::layout::LayoutMethod::Fat})
                cs::layout::layoutInUnitSquare(tree, method);
    } catch (const cs::Error&) {
    }
    return 0;
}
