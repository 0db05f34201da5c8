#pragma once
// Sobol total-order importance of concepts (Fel et al. 2021/2023; deel-ai/Craft sobol/).
// Masks are nb_design·(r+2) rows of r values: [A; B; C_1 … C_r] where A and B are the first and
// last r columns of a design in 2r dimensions and C_i is A with column i taken from B.
// Jansen's estimator: ST_i = Σ_j (f(A_j) − f(C_i,j))² / (2·nb_design·Var f(A)), with the
// unbiased variance of f(A) guarded by 1e-12 (reference behaviour).
#include <cstdint>
#include <string>
#include <vector>

namespace cs::craft {

enum class SobolDesign {
    Reference,       // unscrambled Halton in 2r dims, first point zero (scipy qmc.Halton(scramble=False)), as the reference
    ScrambledSobol,  // Sobol' sequence (Boost.Random) with a random digital shift per dimension, seeded
    Random           // i.i.d. uniform points (plain Monte Carlo), seeded
};
const char* toString(SobolDesign design);
SobolDesign sobolDesignFromString(const std::string& text);

// The design's first nbDesign points in `dims` dimensions, row-major nbDesign × dims, as double.
std::vector<double> designPoints(SobolDesign design, int64_t dims, int64_t nbDesign, uint64_t seed);

// Masks [A; B; C_1 … C_r] as float32, row-major (nbDesign·(r+2)) × r. For Reference this is the
// reference's HaltonSequenceRS output bit for bit.
std::vector<float> sobolMasks(SobolDesign design, int64_t concepts, int64_t nbDesign, uint64_t seed);

// outputs: f evaluated on each mask row (same order). Returns the r total indices.
std::vector<double> jansenTotalIndices(const std::vector<float>& outputs, int64_t concepts, int64_t nbDesign);

}  // namespace cs::craft
