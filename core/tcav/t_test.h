#pragma once
// Student's two-sample t-test with pooled variance, two-sided, as TCAV's significance test uses it
// (Kim et al., 2018, Sec. 3.2, scipy.stats.ttest_ind's default). No LibTorch.
#include <vector>

namespace cs::tcav {

struct TTestResult {
    double t = 0.0;       // (mean a − mean b) / pooled standard error
    double dof = 0.0;     // n_a + n_b − 2
    double pValue = 1.0;  // two-sided
};

// Needs at least two values in each sample (else cs::Error). When both samples have zero variance the
// test degenerates: equal means give p = 1, different means p = 0 (scipy returns NaN and ±inf there).
TTestResult studentTTest(const std::vector<double>& a, const std::vector<double>& b);

// The regularised incomplete beta function I_x(a, b), by Lentz's continued fraction.
double regularizedIncompleteBeta(double x, double a, double b);

}  // namespace cs::tcav
