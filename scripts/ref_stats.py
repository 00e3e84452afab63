#!/usr/bin/env python3
"""Reference outputs for the statistics layer (tests/stats/stats_parity_test.cc).

Writes one JSON fixture with:
  wilcoxon     scipy.stats.wilcoxon(d) with its defaults (two-sided, zero_method='wilcox',
               correction=False, method='auto'): statistic and p-value, exact, permutation
               and normal-approximation cases, with ties and zeros
  mcnemar      statsmodels.stats.contingency_tables.mcnemar on [[n11, b], [c, n22]]:
               exact=True, and exact=False with and without correction
  holm         statsmodels.stats.multitest.multipletests(p, alpha, method='holm')
  calibration  ECE (15 equal-width bins (i/15, (i+1)/15], np.linspace edges), NLL
               (clipped as sklearn.metrics.log_loss) and multi-class Brier, in numpy
  percentile   numpy.percentile (method 'linear')
  bootstrap    a stratified percentile bootstrap in numpy with many replicates (a Monte
               Carlo reference: the C++ side uses its own generator)

    python scripts/ref_stats.py tests/fixtures/stats/stats_reference.json
"""
import json
import sys

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests


def num(x):
    x = float(x)
    return x if np.isfinite(x) else None  # JSON has no NaN or inf; null stands for either


def wilcoxon_cases(rng):
    cases = []
    def add(name, d):
        d = np.asarray(d, dtype=np.float64)
        res = stats.wilcoxon(d)
        cases.append({"name": name, "d": d.tolist(), "statistic": num(res.statistic), "pvalue": num(res.pvalue)})
    for n in (1, 2, 5, 8, 12, 20, 35, 50):
        add(f"exact_n{n}", rng.normal(0.3, 1.0, n))
    add("exact_all_positive_n10", np.abs(rng.normal(0, 1, 10)) + 0.01)
    add("exact_all_negative_n7", -np.abs(rng.normal(0, 1, 7)) - 0.01)
    add("permutation_ties_n6", [0.02, -0.01, 0.02, 0.03, -0.02, 0.05])
    add("permutation_zeros_n10", [0.0, 0.01, -0.02, 0.03, 0.0, 0.04, 0.05, -0.06, 0.07, 0.08])
    add("permutation_ties_zeros_n13", np.round(rng.normal(0.01, 0.02, 13), 2))
    add("permutation_all_zero_n5", [0.0] * 5)
    add("permutation_rounded_diffs_n13", np.round(rng.normal(0.01, 0.02, 13), 3))
    add("normal_ties_n14", np.round(rng.normal(0.01, 0.02, 14), 2))
    add("normal_ties_n30", np.round(rng.normal(0.0, 1.0, 30), 1))
    add("normal_no_ties_n60", rng.normal(0.2, 1.0, 60))
    add("normal_ties_zeros_n100", np.round(rng.normal(0.1, 1.0, 100), 1))
    add("normal_all_zero_n60", [0.0] * 60)
    return cases


def mcnemar_cases():
    out = []
    for b, c in [(0, 0), (5, 0), (0, 12), (3, 7), (10, 10), (1, 30), (25, 40), (200, 260), (1000, 1100), (13, 12)]:
        table = np.array([[50, b], [c, 30]])
        e = mcnemar(table, exact=True)
        cc = mcnemar(table, exact=False, correction=True)
        nc = mcnemar(table, exact=False, correction=False)
        out.append({"b": b, "c": c,
                    "exact": {"statistic": num(e.statistic), "pvalue": num(e.pvalue)},
                    "chi2_corrected": {"statistic": num(cc.statistic), "pvalue": num(cc.pvalue)},
                    "chi2_uncorrected": {"statistic": num(nc.statistic), "pvalue": num(nc.pvalue)}})
    return out


def holm_cases(rng):
    out = []
    sets = [rng.uniform(0, 0.1, 5), rng.uniform(0, 1, 12), np.array([0.01, 0.04, 0.03, 0.005]),
            np.array([0.02, 0.02, 0.02]), np.array([1.0, 0.5, 0.001, 0.0]), np.array([0.3]),
            np.array([0.049, 0.0125, 0.0166, 0.05, 0.2, 0.011])]
    for i, p in enumerate(sets):
        for alpha in (0.05, 0.1):
            reject, adjusted, _, _ = multipletests(p, alpha=alpha, method="holm")
            out.append({"name": f"set{i}_alpha{alpha}", "p": p.tolist(), "alpha": alpha,
                        "adjusted": adjusted.tolist(), "reject": [bool(r) for r in reject]})
    return out


def calibration_reference(probs, labels, bins=15):
    edges = np.linspace(0, 1, bins + 1)
    conf = probs.max(axis=1)
    pred = probs.argmax(axis=1)
    correct = (pred == labels).astype(np.float64)
    ece = 0.0
    counts, accs, confs = [], [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf > lo) & (conf <= hi)
        counts.append(int(m.sum()))
        accs.append(float(correct[m].mean()) if m.any() else 0.0)
        confs.append(float(conf[m].mean()) if m.any() else 0.0)
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - conf[m].mean())
    eps = np.finfo(np.float64).eps
    p_true = np.clip(probs[np.arange(len(labels)), labels], eps, 1 - eps)
    nll = float(-np.log(p_true).mean())
    onehot = np.eye(probs.shape[1])[labels]
    brier = float(((probs - onehot) ** 2).sum(axis=1).mean())
    return {"ece": float(ece), "nll": nll, "brier": brier, "bin_counts": counts, "bin_accuracy": accs,
            "bin_confidence": confs}


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def calibration_cases(rng):
    out = []
    for name, n, c, scale in [("overconfident_n500_c4", 500, 4, 3.0), ("underconfident_n300_c4", 300, 4, 0.4),
                              ("binary_n80", 80, 2, 1.0), ("six_classes_n200", 200, 6, 2.0)]:
        base = rng.normal(0, 1.5, (n, c))
        labels = np.array([rng.choice(c, p=p) for p in softmax(base)])
        probs = softmax(scale * base)
        out.append({"name": name, "num_classes": c, "probabilities": probs.ravel().tolist(),
                    "labels": labels.tolist(), **calibration_reference(probs, labels)})
    # Confidences exactly on bin edges (as np.linspace computes them): (lo, hi] puts them low.
    edges = np.linspace(0, 1, 16)
    rows, labels = [], []
    for k, e in enumerate(edges[8:15]):
        rows.append([e, 1 - e])
        labels.append(k % 2)
    rows.append([1.0, 0.0]); labels.append(0)
    rows.append([0.5, 0.5]); labels.append(1)
    probs = np.array(rows)
    labels = np.array(labels)
    out.append({"name": "confidences_on_bin_edges", "num_classes": 2, "probabilities": probs.ravel().tolist(),
                "labels": labels.tolist(), **calibration_reference(probs, labels)})
    return out


def percentile_cases(rng):
    out = []
    for n in (1, 2, 7, 100, 1001):
        v = rng.normal(0, 1, n)
        qs = [0, 2.5, 33.3, 50, 97.5, 100]
        out.append({"values": v.tolist(), "q": qs, "expected": [float(np.percentile(v, q)) for q in qs]})
    v = np.array([1.0, 1.0, 2.0, 2.0, 2.0, 5.0])
    out.append({"values": v.tolist(), "q": [2.5, 97.5, 10, 90], "expected": [float(np.percentile(v, q)) for q in (2.5, 97.5, 10, 90)]})
    return out


def bootstrap_case(rng):
    sizes = [40, 55, 70]
    accuracy = [0.55, 0.7, 0.8]
    strata = [(rng.random(n) < a).astype(np.float64) for n, a in zip(sizes, accuracy)]
    replicates = 200000
    boot = np.zeros(replicates)
    for s in strata:
        idx = rng.integers(0, len(s), (replicates, len(s)))
        boot += s[idx].mean(axis=1)
    boot /= len(strata)
    estimate = float(np.mean([s.mean() for s in strata]))
    return {"strata": [s.tolist() for s in strata], "statistic": "mean over strata of the stratum mean",
            "replicates": replicates, "estimate": estimate,
            "low": float(np.percentile(boot, 2.5)), "high": float(np.percentile(boot, 97.5)),
            "bootstrap_std": float(boot.std(ddof=1))}


def main():
    rng = np.random.default_rng(16)
    fixture = {
        "generator": "scripts/ref_stats.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "statsmodels": statsmodels.__version__},
        "wilcoxon": wilcoxon_cases(rng),
        "mcnemar": mcnemar_cases(),
        "holm": holm_cases(rng),
        "calibration": calibration_cases(rng),
        "percentile": percentile_cases(rng),
        "bootstrap": bootstrap_case(rng),
    }
    with open(sys.argv[1], "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
