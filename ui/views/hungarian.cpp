#include "views/hungarian.h"

#include <cmath>
#include <limits>

namespace cs::ui {

std::vector<int> solveAssignment(const std::vector<std::vector<double>>& cost) {
    const int rows = int(cost.size());
    if (rows == 0) return {};
    const int cols = int(cost[0].size());
    if (cols == 0) return std::vector<int>(rows, -1);
    // The potentials formulation needs rows <= columns; transpose otherwise.
    const bool transposed = rows > cols;
    const int n = transposed ? cols : rows, m = transposed ? rows : cols;
    auto a = [&](int i, int j) { return transposed ? cost[j - 1][i - 1] : cost[i - 1][j - 1]; };  // 1-based
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> u(n + 1, 0), v(m + 1, 0);
    std::vector<int> p(m + 1, 0), way(m + 1, 0);
    for (int i = 1; i <= n; ++i) {
        p[0] = i;
        int j0 = 0;
        std::vector<double> minv(m + 1, inf);
        std::vector<char> used(m + 1, false);
        do {
            used[j0] = true;
            const int i0 = p[j0];
            double delta = inf;
            int j1 = 0;
            for (int j = 1; j <= m; ++j) {
                if (used[j]) continue;
                const double cur = a(i0, j) - u[i0] - v[j];
                if (cur < minv[j]) {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if (minv[j] < delta) {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for (int j = 0; j <= m; ++j) {
                if (used[j]) {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
        } while (p[j0] != 0);
        do {
            const int j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
    std::vector<int> result(rows, -1);
    for (int j = 1; j <= m; ++j) {
        if (p[j] == 0) continue;
        if (transposed) result[j - 1] = p[j] - 1;
        else result[p[j] - 1] = j - 1;
    }
    return result;
}

double cosineSimilarity(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size() || a.empty()) return 0;
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        dot += double(a[i]) * b[i];
        na += double(a[i]) * a[i];
        nb += double(b[i]) * b[i];
    }
    return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0;
}

}  // namespace cs::ui
