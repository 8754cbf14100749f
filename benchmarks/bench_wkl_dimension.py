"""Where weighted Kozachenko-Leonenko breaks: estimate vs truth over dimension and sample size.

Data: correlated Gaussians, d + d dims, I = 1 and 5 nats, seed 0, k = 5. The table shows each
estimate, the joint dimension 2d, and whether infolens flags it (``*``: the estimate carries the
"dimension too high" warning, rule: 2d > 4 log10(n) - 2). These numbers set that rule.

    python benchmarks/bench_wkl_dimension.py [--sizes 1000 5000 20000] [--dims 2 4 5 6 8 10 12]
"""

from __future__ import annotations

import argparse
import warnings

from rich.console import Console
from rich.table import Table

from infolens.bench import write_report
from infolens.estimators.knn import WeightedKL, weighted_kl_max_dimension
from infolens.tasks import CorrelatedGaussian

TRUE_MI = (1.0, 5.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 5_000, 20_000])
    parser.add_argument("--dims", type=int, nargs="+", default=[2, 4, 5, 6, 8, 10, 12])
    parser.add_argument("--out", default="results/bench")
    args = parser.parse_args()

    header = ["n", "limit 4 log10 n - 2"] + [f"joint {2 * d}" for d in args.dims]
    rows, records = [], []
    for n in args.sizes:
        row = [f"{n:,}", f"{weighted_kl_max_dimension(n):.1f}"]
        for d in args.dims:
            cells = []
            for mi in TRUE_MI:
                x, y = CorrelatedGaussian(d, d, mutual_information=mi).sample(n, seed=0)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    result = WeightedKL(k=5).estimate_with_error(x, y)
                flagged = any("dimensions" in w for w in result.warnings)
                cells.append(f"{result.value:.2f}{'*' if flagged else ''}")
                records.append({"n": n, "dim_x": d, "dim_y": d, "true_mi": mi,
                                "estimate": result.value, "warnings": list(result.warnings)})
            row.append(" / ".join(cells))
            print(f"n={n} d={d} done", flush=True)
        rows.append(row)

    title = "WeightedKL (k=5) on d+d Gaussians: estimate for I = 1 / 5 nats (* = flagged)"
    table = Table(*header, title=title)
    for r in rows:
        table.add_row(*r)
    Console().print(table)
    path = write_report(args.out, "wkl_dimension", header, rows, records, preamble=title + "\n\n")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
