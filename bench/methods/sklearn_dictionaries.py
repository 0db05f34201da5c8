"""scikit-learn's PCA and KMeans on the activations the methods bench wrote, timed here.

Usage: sklearn_dictionaries.py ACTIVATIONS.f32 ROWS COLS RANK SEED
Prints one JSON line: fit seconds, explained variance (PCA) and inertia (KMeans, n_init=1, as the
studio's K-Means), each the best of 3 timed fits.
"""
import json
import sys
import time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA

path, rows, cols, rank, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
a = np.fromfile(path, dtype=np.float32).reshape(rows, cols)


def best_of(fit, repeats=3):
    best, model = None, None
    for _ in range(repeats):
        start = time.perf_counter()
        model = fit()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, model


pca_seconds, pca = best_of(lambda: PCA(n_components=rank, svd_solver="full").fit(a))
kmeans_seconds, kmeans = best_of(lambda: KMeans(n_clusters=rank, n_init=1, random_state=seed).fit(a))
print(json.dumps({
    "pca_seconds": pca_seconds,
    "pca_explained_variance": float(pca.explained_variance_ratio_.sum()),
    "kmeans_seconds": kmeans_seconds,
    "kmeans_inertia": float(kmeans.inertia_),
    "kmeans_iterations": int(kmeans.n_iter_),
}))
