#include "tcav/t_test.h"

#include "common/error.h"

#include <cmath>
#include <limits>

namespace cs::tcav {

namespace {

// The continued fraction of I_x(a, b) (the modified Lentz method), valid for x < (a + 1)/(a + b + 2).
double betaContinuedFraction(double x, double a, double b) {
    constexpr double tiny = 1e-300, epsilon = 1e-15;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (std::abs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double result = d;
    for (int m = 1; m <= 500; ++m) {
        const double m2 = 2.0 * m;
        double numerator = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        for (int half = 0; half < 2; ++half) {
            d = 1.0 + numerator * d;
            if (std::abs(d) < tiny) d = tiny;
            c = 1.0 + numerator / c;
            if (std::abs(c) < tiny) c = tiny;
            d = 1.0 / d;
            result *= d * c;
            numerator = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        }
        if (std::abs(d * c - 1.0) < epsilon) break;
    }
    return result;
}

}  // namespace

double regularizedIncompleteBeta(double x, double a, double b) {
    if (x <= 0.0) return 0.0;
    if (x >= 1.0) return 1.0;
    const double logFront = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
    if (x < (a + 1.0) / (a + b + 2.0)) return std::exp(logFront) * betaContinuedFraction(x, a, b) / a;
    return 1.0 - std::exp(logFront) * betaContinuedFraction(1.0 - x, b, a) / b;
}

TTestResult studentTTest(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() < 2 || b.size() < 2) throw Error("t-test", "needs at least two scores on each side");
    auto meanOf = [](const std::vector<double>& v) {
        double s = 0;
        for (double x : v) s += x;
        return s / static_cast<double>(v.size());
    };
    auto squares = [](const std::vector<double>& v, double mean) {
        double s = 0;
        for (double x : v) s += (x - mean) * (x - mean);
        return s;
    };
    const double ma = meanOf(a), mb = meanOf(b);
    TTestResult result;
    result.dof = static_cast<double>(a.size() + b.size() - 2);
    const double pooled = (squares(a, ma) + squares(b, mb)) / result.dof;
    const double standardError = std::sqrt(pooled * (1.0 / a.size() + 1.0 / b.size()));
    if (!(standardError > 0.0)) {
        const bool same = std::abs(ma - mb) <= 1e-12;
        result.t = same ? 0.0 : std::copysign(std::numeric_limits<double>::infinity(), ma - mb);
        result.pValue = same ? 1.0 : 0.0;
        return result;
    }
    result.t = (ma - mb) / standardError;
    // P(|T| > |t|) for Student's t with ν degrees of freedom is I_{ν/(ν+t²)}(ν/2, 1/2).
    result.pValue = regularizedIncompleteBeta(result.dof / (result.dof + result.t * result.t), result.dof / 2.0, 0.5);
    return result;
}

}  // namespace cs::tcav
