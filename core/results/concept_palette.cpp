#include "results/concept_palette.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace cs::results {

Rgb conceptColor(int colorIndex) {
    static const Rgb kTableau10[] = {{78, 121, 167}, {242, 142, 43}, {225, 87, 89},   {118, 183, 178}, {89, 161, 79},
                                     {237, 201, 72}, {176, 122, 161}, {255, 157, 167}, {156, 117, 95},  {186, 176, 172}};
    if (colorIndex >= 0 && colorIndex < 10) return kTableau10[colorIndex];
    // Golden-angle hue steps keep later colours apart; saturation 0.55 and value 0.85 as the palette.
    const double hue = std::fmod(0.618033988749895 * std::max(0, colorIndex), 1.0) * 6.0;
    const double s = 0.55, v = 0.85, c = v * s, x = c * (1 - std::fabs(std::fmod(hue, 2.0) - 1)), m = v - c;
    double r = 0, g = 0, b = 0;
    switch (static_cast<int>(hue) % 6) {
        case 0: r = c, g = x; break;
        case 1: r = x, g = c; break;
        case 2: g = c, b = x; break;
        case 3: g = x, b = c; break;
        case 4: r = x, b = c; break;
        default: r = c, b = x; break;
    }
    auto channel = [&](double value) { return static_cast<int>(std::lround((value + m) * 255)); };
    return {channel(r), channel(g), channel(b)};
}

std::string conceptColorHex(int colorIndex) {
    const Rgb rgb = conceptColor(colorIndex);
    char text[8];
    std::snprintf(text, sizeof text, "#%02x%02x%02x", rgb.r, rgb.g, rgb.b);
    return text;
}

int conceptColorIndex(const std::vector<store::ConceptRecord>& concepts, const store::ConceptRecord& concept) {
    const store::ConceptRecord* walk = &concept;
    // The guard stops a damaged file's parent cycle.
    for (int guard = 0; walk->parentId && guard < 64; ++guard) {
        const auto parent = std::find_if(concepts.begin(), concepts.end(), [&](const auto& c) { return c.id == *walk->parentId; });
        if (parent == concepts.end()) break;
        walk = &*parent;
    }
    return static_cast<int>(walk->index);
}

}  // namespace cs::results
