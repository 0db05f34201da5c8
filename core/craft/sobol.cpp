#include "craft/sobol.h"

#include "common/error.h"

#include <boost/random/mersenne_twister.hpp>
#include <boost/random/sobol.hpp>
#include <boost/random/uniform_01.hpp>

#include <array>
#include <cmath>
#include <cstdint>

namespace cs::craft {

// toString and sobolDesignFromString are in craft_spec.cpp, which the studio links without LibTorch.

namespace {

std::vector<int64_t> firstPrimes(int64_t count) {
    std::vector<int64_t> primes;
    for (int64_t candidate = 2; static_cast<int64_t>(primes.size()) < count; ++candidate) {
        bool prime = true;
        for (int64_t p : primes) {
            if (p * p > candidate) break;
            if (candidate % p == 0) { prime = false; break; }
        }
        if (prime) primes.push_back(candidate);
    }
    return primes;
}

// Radical inverse of i in base b, accumulated digit by digit in double exactly as scipy's
// unscrambled van der Corput does, so the float32 cast matches the reference bit for bit.
double radicalInverse(int64_t i, int64_t base) {
    double value = 0.0;
    double factor = 1.0 / static_cast<double>(base);
    while (i > 0) {
        value += static_cast<double>(i % base) * factor;
        factor /= static_cast<double>(base);
        i /= base;
    }
    return value;
}

}  // namespace

std::vector<double> designPoints(SobolDesign design, int64_t dims, int64_t nbDesign, uint64_t seed) {
    if (dims <= 0 || nbDesign <= 1) throw Error("sobol-designs", "need at least 2 design points and 1 dimension");
    std::vector<double> points(static_cast<size_t>(dims * nbDesign));
    switch (design) {
        case SobolDesign::Reference: {
            const auto primes = firstPrimes(dims);
            for (int64_t i = 0; i < nbDesign; ++i)
                for (int64_t d = 0; d < dims; ++d) points[i * dims + d] = radicalInverse(i, primes[d]);
            break;
        }
        case SobolDesign::ScrambledSobol: {
            if (dims > 3667) throw Error("sobol-design", "Boost's Sobol' sequence supports at most 3667 dimensions");
            boost::random::sobol sequence(static_cast<std::size_t>(dims));
            boost::random::mt19937 rng(static_cast<uint32_t>(seed * 2654435761u + 12345u));
            // Matoušek's linear matrix scramble plus a random digital shift (what scipy's
            // qmc.Sobol(scramble=True) does): each dimension's digits are multiplied by a random
            // lower-triangular binary matrix with unit diagonal, then XORed with a random word.
            // The points stay a (t,m,s)-net, each is uniform on [0,1)^d, and the estimator is
            // not tied to one deterministic net whose late columns are badly spread.
            struct Scramble {
                std::array<uint64_t, 64> rows;  // rows[j]: which input digits make output digit j
                uint64_t shift;
            };
            auto word = [&] { return (static_cast<uint64_t>(rng()) << 32) ^ static_cast<uint64_t>(rng()); };
            std::vector<Scramble> scrambles(static_cast<size_t>(dims));
            for (auto& sc : scrambles) {
                for (int j = 0; j < 64; ++j) {
                    // digit j is bit 63-j; keep digits 0..j-1 random, digit j set.
                    const uint64_t above = j == 0 ? 0 : (~uint64_t{0} << (64 - j));
                    sc.rows[j] = (word() & above) | (uint64_t{1} << (63 - j));
                }
                sc.shift = word();
            }
            for (int64_t i = 0; i < nbDesign; ++i)
                for (int64_t d = 0; d < dims; ++d) {
                    const uint64_t x = static_cast<uint64_t>(sequence());
                    const Scramble& sc = scrambles[d];
                    uint64_t bits = 0;
                    for (int j = 0; j < 64; ++j)
                        bits |= static_cast<uint64_t>(__builtin_popcountll(sc.rows[j] & x) & 1) << (63 - j);
                    bits ^= sc.shift;
                    points[i * dims + d] = (static_cast<double>(bits >> 11) + 0.5) * 0x1p-53;
                }
            break;
        }
        case SobolDesign::Random: {
            boost::random::mt19937 rng(static_cast<uint32_t>(seed * 2654435761u + 777u));
            boost::random::uniform_01<double> uniform;
            for (auto& p : points) p = uniform(rng);
            break;
        }
    }
    return points;
}

std::vector<float> sobolMasks(SobolDesign design, int64_t concepts, int64_t nbDesign, uint64_t seed) {
    const int64_t r = concepts, dims = 2 * concepts;
    const auto points = designPoints(design, dims, nbDesign, seed);
    std::vector<float> masks(static_cast<size_t>(nbDesign * (r + 2) * r));
    auto at = [&](int64_t block, int64_t row, int64_t col) -> float& { return masks[((block * nbDesign) + row) * r + col]; };
    for (int64_t j = 0; j < nbDesign; ++j)
        for (int64_t k = 0; k < r; ++k) {
            // The reference casts the design to float32 before splitting it.
            const float a = static_cast<float>(points[j * dims + k]);
            const float b = static_cast<float>(points[j * dims + r + k]);
            at(0, j, k) = a;
            at(1, j, k) = b;
            for (int64_t i = 0; i < r; ++i) at(2 + i, j, k) = (i == k) ? b : a;
        }
    return masks;
}

std::vector<double> jansenTotalIndices(const std::vector<float>& outputs, int64_t concepts, int64_t nbDesign) {
    const int64_t r = concepts;
    if (static_cast<int64_t>(outputs.size()) != nbDesign * (r + 2))
        throw Error("sobol", "expected " + std::to_string(nbDesign * (r + 2)) + " model outputs, got " + std::to_string(outputs.size()));
    double mean = 0.0;
    for (int64_t j = 0; j < nbDesign; ++j) mean += outputs[j];
    mean /= static_cast<double>(nbDesign);
    double variance = 0.0;
    for (int64_t j = 0; j < nbDesign; ++j) variance += (outputs[j] - mean) * (outputs[j] - mean);
    variance /= static_cast<double>(nbDesign - 1);
    variance = std::max(variance, 1e-12);  // reference guard: a constant output gives zeros, not NaN
    std::vector<double> indices(static_cast<size_t>(r));
    for (int64_t i = 0; i < r; ++i) {
        double sum = 0.0;
        for (int64_t j = 0; j < nbDesign; ++j) {
            const double d = static_cast<double>(outputs[j]) - static_cast<double>(outputs[(2 + i) * nbDesign + j]);
            sum += d * d;
        }
        indices[i] = sum / (2.0 * static_cast<double>(nbDesign)) / variance;
    }
    return indices;
}

}  // namespace cs::craft
