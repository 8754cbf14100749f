"""``AutoMI``: one estimate a researcher can use without choosing an estimator.

The estimate has two parts, each computed where it is reliable.

1. **The Gaussian-copula part.** Every coordinate is replaced by its normal scores
   Phi^{-1}(rank / (n + 1)), a strictly increasing map that leaves I(X; Y) unchanged (the
   "copula" preprocessing of Czyz et al., NeurIPS 2023, arXiv:2306.11078; Ince et al.,
   "A statistical framework for neuroimaging data analysis based on mutual information
   estimated via a Gaussian copula", Human Brain Mapping 38, 2017). With R the joint correlation
   matrix of the scores, the Gaussian MI

       I_G = 1/2 (log det R_xx + log det R_yy - log det R)

   is exact when the dependence is a Gaussian copula, at any dimension and any MI
   (:mod:`infolens.estimators.copula`). Its plug-in bias is removed in closed form: for
   Gaussian data the sample covariance with m = n - 1 degrees of freedom is Wishart, so
   E log det S_d = log det Sigma_d + b(d) with b(d) = sum_{i<d} psi((m - i)/2) + d log(2/m)
   (Anderson, "An Introduction to Multivariate Statistical Analysis", 3rd ed., 2003,
   thm 7.5.3), and E I_G - I = (b(dx) + b(dy) - b(dx + dy)) / 2
   (:func:`~infolens.estimators.copula.gaussian_plugin_bias`).

2. **The rest, by k-NN against a Gaussian reference.** KSG (Kraskov et al. 2004) sees every
   kind of dependence but is biased low when I or the dimension is large. Its bias is measured
   on a *reference* sample: n draws from N(0, R) pushed through the same normal scores, whose
   true MI is the plug-in I_G of the data. With KSG_data and KSG_ref the two KSG estimates,

       I = (I_G - bias_G) + (KSG_data - KSG_ref),

   the Gaussian part plus the dependence the Gaussian copula does not explain (the KSG bias
   cancels to first order). For a Gaussian copula the second term is 0 up to noise; in low
   dimension it is KSG's own (accurate) estimate of the non-Gaussian excess.

**Many features.** A variable with more than ``compress_above`` features (images, layer
activations) is first compressed by an autoencoder whose code dimension is the data's intrinsic
dimension, measured by the TwoNN estimator (Facco, d'Errico, Rodriguez & Laio, "Estimating the
intrinsic dimension of datasets by a minimal neighborhood information", Scientific Reports 7,
12140, 2017; :func:`two_nn_dimension`): convolutional when the feature count is a square (a
flattened image), dense otherwise. The estimate is then I(E(X); E(Y)) <= I(X; Y), as in the
compression estimator (Butakov et al., ICLR 2024, arXiv:2305.08013); the estimate is flagged
when the codes explain less than 99% of the variable's variance (reconstruction R^2).

**Class labels.** A ``y`` of integers, booleans or strings (1-D) is taken as class labels and
estimated with Ross's continuous-discrete k-NN estimator
(:class:`~infolens.estimators.knn.ContinuousDiscreteMI`); floats are always continuous.

**When the parts cannot be trusted.** In more than ``knn_trusted_dim`` joint dimensions, a
non-Gaussian excess (``KSG_data - KSG_ref`` beyond three standard errors and 0.05 nats) means
KSG's bias on the data differs from its bias on the reference by an unknown amount. ``AutoMI``
then asks a second, neural estimator (``second_opinion``, a registered name) and reports it,
flagging the estimate when the two disagree beyond their errors. Every candidate, the one
chosen and the reason are in ``MIEstimate.details``.

Examples
--------
>>> from infolens.tasks import get_task
>>> x, y = get_task("gaussian-4x4-i2").sample(5000, seed=0)
>>> result = AutoMI().estimate_with_error(x, y)
>>> abs(result.value - 2.0) < 0.1, result.details["chosen"]
(True, 'copula+ksg')
"""

from __future__ import annotations

import math

import numpy as np

from infolens._validation import (
    as_labels,
    as_paired_samples,
    as_samples,
    check_positive_float,
    check_positive_int,
    constant_columns,
    is_label_vector,
)
from infolens.estimators.base import MIEstimatorBase
from infolens.estimators.copula import copula_normal_scores, fit_gaussian_copula
from infolens.estimators.intrinsic_dimension import two_nn_dimension
from infolens.estimators.knn import KSG, ContinuousDiscreteMI, WeightedKL, weighted_kl_max_dimension
from infolens.estimators.result import (
    MIEstimate,
    call_catching_estimator_warnings,
    collect_estimator_warnings,
    warn_estimator,
)

__all__ = ["AutoMI"]

#: a non-Gaussian excess below this many nats is noise, whatever its standard error
MIN_EXCESS = 0.05
#: a compressed variable whose autoencoder explains less of its variance is flagged
MIN_EXPLAINED_VARIANCE = 0.99
#: second opinions whose held-out value is a lower bound on I(X; Y) (in expectation)
LOWER_BOUNDS = frozenset({"infonce", "nwj", "mine"})


def _excess_over_reference(
    estimator: MIEstimatorBase, u: np.ndarray, v: np.ndarray,
    reference: tuple[np.ndarray, np.ndarray],
) -> tuple[float, float, dict]:
    """``estimator`` on the data minus on the Gaussian reference: the dependence beyond the
    Gaussian copula, its standard error and both parts, with the warnings about the data (those
    about the reference sample are no concern of the user's and are dropped)."""
    on_data, data_warnings = call_catching_estimator_warnings(estimator.estimate_with_error, u, v)
    on_reference, _ = call_catching_estimator_warnings(estimator.estimate_with_error, *reference)
    excess = on_data.value - on_reference.value
    parts = {"on_data": on_data.value, "on_reference": on_reference.value,
             "warnings": data_warnings}
    return excess, math.hypot(on_data.stderr, on_reference.stderr), parts


class AutoMI(MIEstimatorBase):
    """I(X; Y) without choosing an estimator: Gaussian copula + k-NN against a Gaussian reference.

    ``I = (I_G - bias_G) + (KSG_data - KSG_ref)`` on normal scores; where k-NN cannot be trusted
    (a non-Gaussian excess in more than ``knn_trusted_dim`` joint dimensions) a neural second
    opinion is computed and reported (module docstring). ``details`` holds every candidate
    (``gaussian_copula``, ``knn_excess``, the second opinion), ``chosen`` and ``reason``.

    Parameters
    ----------
    k : int, default=5
        Neighbour order of KSG.
    knn_trusted_dim : int, default=4
        Largest joint dimension dx + dy in which a non-Gaussian excess measured by KSG is
        reported without a second opinion.
    knn_trusted_mi : float, default=3.0
        Largest estimate (nats) with a non-Gaussian excess reported without a second opinion
        (KSG's bias grows with I).
    compress_above : int, default=64
        A variable with more features is compressed by an autoencoder first (module docstring).
    second_opinion : str or None, default="infonce"
        A registered estimator name (:data:`infolens.estimators.registry.ESTIMATORS`) asked
        where k-NN cannot be trusted; ``None``: never (the estimate is then flagged instead).
    random_state : int, default=0
        Seed of the reference sample, KSG's tie-breaking and the second opinion.
    device : str or torch.device, default="cpu"
        Torch device of the neural parts (the autoencoder of wide variables, the second
        opinion): ``"auto"`` (CUDA when present), ``"cpu"``, ``"cuda"``, ``"cuda:1"``...

    References
    ----------
    Kraskov, Stoegbauer & Grassberger, "Estimating mutual information", Phys. Rev. E 69, 066138
    (2004); Ince et al., Human Brain Mapping 38 (2017) (Gaussian copula MI); Czyz et al.,
    "Beyond Normal", NeurIPS 2023, arXiv:2306.11078 (the failure modes this guards against).
    """

    name = "auto"

    def __init__(
        self, k: int = 5, knn_trusted_dim: int = 4, knn_trusted_mi: float = 3.0,
        compress_above: int = 64, second_opinion: str | None = "infonce", random_state: int = 0,
        device: str = "cpu",
    ) -> None:
        self.k = k
        self.knn_trusted_dim = knn_trusted_dim
        self.knn_trusted_mi = knn_trusted_mi
        self.compress_above = compress_above
        self.second_opinion = second_opinion
        self.random_state = random_state
        self.device = device

    def _check_params(self) -> None:
        check_positive_int(self.k, "k")
        check_positive_int(self.knn_trusted_dim, "knn_trusted_dim")
        check_positive_float(self.knn_trusted_mi, "knn_trusted_mi")
        check_positive_int(self.compress_above, "compress_above")
        check_positive_int(self.random_state, "random_state", minimum=0)
        if self.device != "cpu":  # torch is needed only off the CPU default
            from infolens._validation import resolve_device

            resolve_device(self.device)
        if self.second_opinion is not None:
            from infolens.estimators.registry import ESTIMATORS

            spec = ESTIMATORS.get(self.second_opinion)
            if spec is None or spec.y_kind != "continuous" or spec.name == self.name:
                known = ", ".join(s.name for s in ESTIMATORS.values()
                                  if s.y_kind == "continuous" and s.name != self.name)
                raise ValueError(
                    f"second_opinion: expected None or one of {known}, got {self.second_opinion!r}"
                )

    @collect_estimator_warnings()
    def estimate_with_error(self, x: object, y: object) -> MIEstimate:
        """I(X; Y) in nats, with a standard error, the estimators used and why (``details``).

        Parameters
        ----------
        x : array-like of shape (n_samples, dx)
            Samples of X.
        y : array-like of shape (n_samples, dy)
            Samples of Y, paired with ``x`` by row.

        Returns
        -------
        MIEstimate
            The estimate; ``details["chosen"]`` names the estimate reported, ``"reason"``
            says why, ``"candidates"`` holds every estimate computed on the way.
        """
        self._check_params()
        if is_label_vector(y):
            return self._with_labels(x, y)
        xa, ya = as_paired_samples(x, y, min_samples=self.k + 1)
        n = len(xa)
        xa, ya = xa[:, ~constant_columns(xa)], ya[:, ~constant_columns(ya)]
        if xa.shape[1] == 0 or ya.shape[1] == 0:
            return MIEstimate(0.0, 0.0, n, self.name, details={
                "chosen": "constant", "reason": "a variable is constant: I = 0", "candidates": {}})
        compressed = {}
        if xa.shape[1] > self.compress_above:
            xa, compressed["x"] = self._compress(xa, self.random_state)
        if ya.shape[1] > self.compress_above:
            ya, compressed["y"] = self._compress(ya, self.random_state + 1)
        fit = fit_gaussian_copula(xa, ya)
        u, v, dx, dy = fit.u, fit.v, fit.u.shape[1], fit.v.shape[1]
        if n < 2 * (dx + dy) + 10:
            return self._knn_only(u, v, f"n = {n} is too few for a {dx}+{dy}-dim covariance")
        corr, plugin, rho = fit.corr, fit.plugin, fit.rho
        if not math.isfinite(plugin) or rho[0] > 1.0 - 1e-12:
            warn_estimator(
                "a canonical correlation of the normal scores is 1: X and Y are deterministically "
                "related (I(X;Y) is infinite for continuous variables)"
            )
            return MIEstimate(math.inf, math.nan, n, self.name, details={
                "chosen": "gaussian_copula", "reason": "canonical correlation 1",
                "candidates": {}})
        gaussian, gaussian_se = fit.value, fit.stderr
        reference = self._reference_sample(corr, n, dx)
        ksg = KSG(k=self.k, random_state=self.random_state, copula_check=False)
        excess, excess_se, ksg_parts = _excess_over_reference(ksg, u, v, reference)
        for message in ksg_parts["warnings"]:
            warn_estimator(f"KSG part: {message}")
        candidates = {
            "gaussian_copula": {"value": gaussian, "stderr": gaussian_se, "plugin": plugin},
            "ksg_excess": {"value": excess, "stderr": excess_se, **ksg_parts},
            "copula+ksg": {"value": gaussian + excess,
                           "stderr": math.hypot(gaussian_se, excess_se)},
        }
        details = {"dim_x": dx, "dim_y": dy, "candidates": candidates,
                   "canonical_correlations": rho[: min(8, len(rho))].tolist(),
                   "compressed": compressed}
        if not abs(excess) > max(MIN_EXCESS, 3.0 * excess_se):
            reason = ("the Gaussian copula explains the dependence: KSG finds no excess "
                      f"beyond noise ({excess:+.3f} +- {excess_se:.3f} nats)")
            return self._result(gaussian + excess, candidates["copula+ksg"]["stderr"], n,
                                "copula+ksg", reason, details)
        chosen = "copula+ksg"
        if excess > 0 and dx + dy <= weighted_kl_max_dimension(n):
            # KSG sees non-Gaussian dependence, and is biased low there: weighted KL is less so
            wkl = WeightedKL(k=self.k, random_state=self.random_state)
            wkl_excess, wkl_se, wkl_parts = _excess_over_reference(wkl, u, v, reference)
            candidates["weighted_kl_excess"] = {"value": wkl_excess, "stderr": wkl_se, **wkl_parts}
            candidates["copula+weighted-kl"] = {"value": gaussian + wkl_excess,
                                                "stderr": math.hypot(gaussian_se, wkl_se)}
            if wkl_excess > excess:
                chosen, excess = "copula+weighted-kl", wkl_excess
        value, stderr = candidates[chosen]["value"], candidates[chosen]["stderr"]
        method = "weighted KL" if chosen == "copula+weighted-kl" else "KSG"
        if dx + dy <= self.knn_trusted_dim and value <= self.knn_trusted_mi:
            reason = (f"non-Gaussian dependence ({excess:+.3f} nats beyond the Gaussian copula) "
                      f"measured by {method} in {dx + dy} dimensions and below "
                      f"{self.knn_trusted_mi:g} nats, where it is reliable")
            return self._result(value, stderr, n, chosen, reason, details)
        return self._with_second_opinion(u, v, value, stderr, excess, chosen, details)

    def _with_labels(self, x: object, y: object) -> MIEstimate:
        """``y`` holds class labels: Ross's continuous-discrete estimator (after compressing a
        wide ``x``)."""
        xa = as_samples(x, "x", min_samples=self.k + 1)
        labels = as_labels(y, "y", n=len(xa))
        compressed = {}
        xa = xa[:, ~constant_columns(xa)]
        if xa.shape[1] > self.compress_above:
            xa, compressed["x"] = self._compress(xa, self.random_state)
        ross = ContinuousDiscreteMI(k=self.k, algorithm="ross", random_state=self.random_state)
        result = ross.estimate_with_error(xa, labels)
        reason = ("y holds class labels (integers, booleans or strings): Ross's k-NN estimator "
                  "of I(X; Y) for continuous x and discrete y (pass floats to treat y as "
                  "continuous)")
        details = {"candidates": {"ross": {"value": result.value, "stderr": result.stderr}},
                   "compressed": compressed}
        return self._result(result.value, result.stderr, result.n, "ross", reason, details)

    def _compress(self, a: np.ndarray, seed: int) -> tuple[np.ndarray, dict]:
        """Autoencoder codes of ``a`` with the TwoNN intrinsic dimension (module docstring)."""
        from infolens.estimators.compressors import AutoencoderCompressor

        intrinsic = two_nn_dimension(a)
        latent_dim = int(np.clip(round(intrinsic), 1, 8)) if math.isfinite(intrinsic) else 4
        side = math.isqrt(a.shape[1])
        architecture = "conv" if side * side == a.shape[1] and side >= 8 else "dense"
        encoder = AutoencoderCompressor(
            latent_dim=latent_dim, architecture=architecture, bottleneck="linear", noise_std=0.0,
            max_epochs=150, random_state=seed, device=self.device,
        ).fit(a)
        codes = encoder.transform(a)
        centred_ss = float(np.sum((a - a.mean(axis=0)) ** 2))
        explained = 1.0 - float(np.sum((encoder.reconstruct(a) - a) ** 2)) / centred_ss
        info = {"features": a.shape[1], "intrinsic_dim": intrinsic, "latent_dim": latent_dim,
                "architecture": architecture, "epochs": encoder.history_["epochs"],
                "explained_variance": explained}
        if explained < MIN_EXPLAINED_VARIANCE:
            warn_estimator(
                f"the autoencoder's {latent_dim}-dim codes of a {a.shape[1]}-feature variable "
                f"explain {explained:.1%} of its variance: what they lose is lost to the "
                "estimate, a lower bound on I(X;Y) (16x16 rectangles: 87% explained, 30% of the "
                "MI lost); use a better compressor (Compressed) if the number matters"
            )
        return codes, info

    def _reference_sample(self, corr: np.ndarray, n: int, dx: int) -> tuple[np.ndarray, np.ndarray]:
        """n draws from N(0, corr) through normal scores, split into (X, Y)."""
        rng = np.random.default_rng(self.random_state)
        z = rng.standard_normal((n, len(corr))) @ np.linalg.cholesky(corr).T
        z = copula_normal_scores(z)
        return z[:, :dx], z[:, dx:]

    def _knn_only(self, u: np.ndarray, v: np.ndarray, why: str) -> MIEstimate:
        """KSG alone on the normal scores (too few samples for the Gaussian part), flagged."""
        result = KSG(k=self.k, random_state=self.random_state, copula_check=False
                     ).estimate_with_error(u, v)
        warn_estimator(f"{why}: the Gaussian part is skipped and KSG alone is reported; "
                       "it is biased low when I or the dimension is large")
        return self._result(result.value, result.stderr, len(u), "ksg", why,
                            {"candidates": {"ksg": {"value": result.value,
                                                    "stderr": result.stderr}}})

    def _with_second_opinion(
        self, u: np.ndarray, v: np.ndarray, value: float, stderr: float, excess: float,
        chosen: str, details: dict,
    ) -> MIEstimate:
        """Where copula+k-NN is in doubt: ask the second opinion (on the normal scores) and
        report the larger credible lower bound, or the second estimate (module docstring)."""
        n, dim = len(u), details["dim_x"] + details["dim_y"]
        where = (f"in {dim} dimensions" if dim > self.knn_trusted_dim
                 else f"at {value:.2f} > {self.knn_trusted_mi:g} nats")
        doubt = (f"non-Gaussian dependence ({excess:+.3f} nats beyond the Gaussian copula) "
                 f"{where}, where k-NN's bias need not be the Gaussian reference's")
        if self.second_opinion is None:
            warn_estimator(f"{doubt}; no second opinion was asked (second_opinion=None), so the "
                           f"{chosen} estimate is reported and may be off by the excess")
            return self._result(value, stderr, n, chosen, doubt, details)
        from infolens.estimators.registry import make_estimator

        name = self.second_opinion
        estimator = make_estimator(name, random_state=self.random_state)
        if "device" in estimator.get_params():
            estimator.set_params(device=self.device)
        opinion, opinion_warnings = call_catching_estimator_warnings(
            estimator.estimate_with_error, u, v
        )
        details["candidates"][name] = {
            "value": opinion.value, "stderr": opinion.stderr, "warnings": list(opinion_warnings)}
        ours = f"{chosen} gives {value:.3f} +- {stderr:.3f}"
        theirs = f"{name} gives {opinion.value:.3f} +- {opinion.stderr:.3f} nats"
        agree = abs(opinion.value - value) <= (
            3.0 * math.hypot(stderr, opinion.stderr) + 0.1 * max(abs(value), abs(opinion.value)))
        if name not in LOWER_BOUNDS:  # another estimate: report it, flag a disagreement
            for message in opinion_warnings:
                warn_estimator(f"{name}: {message}")
            if not agree:
                warn_estimator(f"the candidates disagree: {ours}, {theirs}; {name} is reported "
                               f"({doubt})")
            return self._result(opinion.value, opinion.stderr, n, name,
                                f"{doubt}: {name} is reported", details)
        if opinion.value - 2.0 * opinion.stderr > value and not opinion_warnings:
            warn_estimator(f"{ours}, below the lower bound {name} ({theirs}): the bound is "
                           f"reported, and the truth may be higher still ({doubt})")
            return self._result(opinion.value, opinion.stderr, n, name,
                                f"{doubt}: the lower bound {name} is above {chosen}", details)
        if opinion_warnings:  # e.g. a saturated InfoNCE: it can neither confirm nor refute
            reason = f"{doubt}; the lower bound {name} is itself flagged, so nothing confirms it"
            warn_estimator(f"{ours}; read it as uncertain ({reason}: "
                           f"{'; '.join(opinion_warnings)})")
        elif agree:
            reason = f"{doubt}; confirmed by the lower bound {name} ({theirs})"
        else:
            reason = f"{doubt}; the lower bound {name} ({theirs}) could not confirm it"
            warn_estimator(f"{ours}, but the lower bound {name} could not confirm it ({theirs}); "
                           f"read it as uncertain ({doubt})")
        return self._result(value, stderr, n, chosen, reason, details)

    def _result(self, value: float, stderr: float, n: int, chosen: str, reason: str,
                details: dict) -> MIEstimate:
        compressed = " and ".join(details.get("compressed", {}))
        if compressed:
            reason += (f" ({compressed} compressed by an autoencoder to its intrinsic dimension: "
                       "this is I(E(X); E(Y)) <= I(X; Y))")
        return MIEstimate(float(value), float(stderr), n, self.name, error_method="combined",
                          details={**details, "chosen": chosen, "reason": reason})
