"""KSG speed and accuracy: infolens vs a brute-force reference vs scikit-learn, measured in one run.

Data: X, Y in R^4 each, standard normal marginals, corr(X_i, Y_i) = rho for all i, true
I(X;Y) = -2 log(1 - rho^2). scikit-learn's mutual_info_regression only takes 1-D targets and
estimates I(X_j; Y_1) for each column j separately, so the side-by-side with it runs the same
four 1+1-dimensional KSG problems in both libraries.

    python benchmarks/bench_knn.py [--sizes 1000 10000 100000] [--brute-max 10000]
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
from _common import timed
from rich.console import Console
from rich.table import Table
from sklearn.feature_selection import mutual_info_regression

from infolens.bench import write_report
from infolens.estimators.knn import KSG
from infolens.estimators.knn_reference import ksg_bruteforce
from infolens.tasks import CorrelatedGaussian

K = 5
DIM = 4
TRUE_MI = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--brute-max", type=int, default=10_000,
                        help="largest n for the O(n^2) reference")
    parser.add_argument("--out", default="results/bench")
    args = parser.parse_args()

    task = CorrelatedGaussian(DIM, DIM, mutual_information=TRUE_MI)
    rho = float(task.rho[0])
    pair_truth = np.array([-0.5 * np.log(1 - rho**2), 0.0, 0.0, 0.0])
    ksg = KSG(k=K, jitter=0.0, standardize=False)

    header = ["n", "true I", "infolens KSG 4+4", "s", "brute force 4+4", "s", "|diff|",
              "infolens 4x(1+1) s", "sklearn 4x(1+1) s", "sklearn/infolens time",
              "max |infolens - sklearn|", "max |err| 1+1 vs truth"]
    rows, records = [], []
    for n in args.sizes:
        x, y = task.sample(n, seed=0)
        est, t_est = timed(ksg.estimate, x, y)
        if n <= args.brute_max:
            brute, t_brute = timed(ksg_bruteforce, x, y, K)
            brute_s, t_brute_s, diff_s = f"{brute:.4f}", f"{t_brute:.2f}", f"{abs(est - brute):.1e}"
        else:
            brute = t_brute = None
            brute_s = t_brute_s = diff_s = "skipped (O(n^2))"

        def ours_pairs(x=x, y=y):
            return np.array([ksg.estimate(x[:, j], y[:, 0]) for j in range(DIM)])

        def sklearn_pairs(x=x, y=y):
            return mutual_info_regression(x, y[:, 0], n_neighbors=K, random_state=0)

        ours, t_ours = timed(ours_pairs)
        theirs, t_theirs = timed(sklearn_pairs)
        diff_sk = float(np.max(np.abs(ours - theirs)))
        err_truth = float(np.max(np.abs(ours - pair_truth)))
        rows.append([str(n), f"{TRUE_MI:.3f}", f"{est:.4f}", f"{t_est:.2f}", brute_s, t_brute_s,
                     diff_s, f"{t_ours:.2f}", f"{t_theirs:.2f}", f"{t_theirs / t_ours:.1f}x",
                     f"{diff_sk:.3f}", f"{err_truth:.3f}"])
        records.append({"n": n, "true_mi": TRUE_MI, "ksg": est, "ksg_seconds": t_est,
                        "brute": brute, "brute_seconds": t_brute, "pairs_infolens": ours.tolist(),
                        "pairs_sklearn": theirs.tolist(), "pairs_truth": pair_truth.tolist(),
                        "pairs_infolens_seconds": t_ours, "pairs_sklearn_seconds": t_theirs})
        print(f"n={n} done", flush=True)

    table = Table(*header, title=f"KSG (k={K}), 4+4-dim Gaussian, one run on {platform.node()}")
    for r in rows:
        table.add_row(*r)
    Console().print(table)
    path = write_report(args.out, "knn", header, rows, records,
                        preamble=f"KSG (k={K}) on a 4+4-dim Gaussian with I = {TRUE_MI} nats; "
                                 "times in seconds, one run.\n\n")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
