"""The reference's qualify tick with scikit-learn, for the benchmark only (host/gp/benches/tick.rs).

Reads {"X": labelled embeddings, "y": 0/1 labels, "C": candidate embeddings, "rounds": k} and
prints the median seconds of one tick: the full refit the reference runs after every label
(PCA sizes {2,4,6,10,15,20} <= n-1, StandardScaler, GPR c*RBF(l) with alpha 0.1, 3 restarts,
best LML), then probabilities and BALD (100 Monte-Carlo draws) for every candidate.
"""
import json
import sys
import time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def fit(x, y):
    m = min(len(x) - 1, 384)
    sizes = [d for d in (2, 4, 6, 10, 15, 20) if d <= m] or [m]
    best = None
    for d in sizes:
        kernel = ConstantKernel(1.0, (1e-5, 1e5)) * RBF(np.sqrt(d), (1e-5, 1e5))
        gp = GaussianProcessRegressor(kernel, alpha=0.1, n_restarts_optimizer=3, random_state=42)
        pipe = make_pipeline(PCA(d, random_state=42), StandardScaler(), gp).fit(x, y)
        lml = gp.log_marginal_likelihood_value_
        if best is None or lml > best[0]:
            best = (lml, pipe)
    return best[1]


def entropy(p):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -p * np.log(p) - (1 - p) * np.log(1 - p)


def tick(x, y, c, rng):
    pipe = fit(x, y)
    mean, std = pipe.predict(c, return_std=True)
    eps = rng.standard_normal((100, len(c)))
    ps = np.clip(mean + std * eps, 0, 1)
    return entropy(ps.mean(axis=0)) - entropy(ps).mean(axis=0)


def main():
    data = json.load(open(sys.argv[1]))
    x, y, c = np.array(data["X"]), np.array(data["y"], dtype=float), np.array(data["C"])
    rng = np.random.RandomState(42)
    times = []
    for _ in range(data["rounds"]):
        start = time.perf_counter()
        tick(x, y, c, rng)
        times.append(time.perf_counter() - start)
    print(sorted(times)[len(times) // 2])


main()
