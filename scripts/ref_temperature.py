#!/usr/bin/env python3
"""Reference temperatures for tests/stats/temperature_scaling_test.cc.

Fits temperature scaling (Guo et al. 2017) the way the usual PyTorch code does: one
parameter T (float64, initialised to 1), loss = cross_entropy(logits / T, labels),
optimised by torch.optim.LBFGS, here with the strong-Wolfe line search and run to
convergence (tolerances 1e-12 / 1e-15, up to 500 iterations) so that the reference is
the optimum itself rather than wherever a fixed iteration budget stops.

    python scripts/ref_temperature.py tests/fixtures/stats/temperature_reference.json
"""
import json
import sys

import numpy as np
import torch


def fit(logits, labels):
    z = torch.tensor(logits, dtype=torch.float64)
    y = torch.tensor(labels, dtype=torch.int64)
    t = torch.nn.Parameter(torch.ones((), dtype=torch.float64))
    opt = torch.optim.LBFGS([t], lr=1.0, max_iter=500, tolerance_grad=1e-12, tolerance_change=1e-15,
                            history_size=20, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(z / t, y)
        loss.backward()
        return loss

    before = torch.nn.functional.cross_entropy(z, y).item()
    for _ in range(5):
        opt.step(closure)
    after = torch.nn.functional.cross_entropy(z / t, y).item()
    return float(t.item()), before, after


def main():
    rng = np.random.default_rng(1616)
    cases = []
    for name, n, c, scale in [("overconfident_n1000_c4", 1000, 4, 3.0), ("underconfident_n600_c4", 600, 4, 0.35),
                              ("about_right_n400_c4", 400, 4, 1.0), ("binary_n60", 60, 2, 2.0),
                              ("six_classes_n300", 300, 6, 1.7)]:
        base = rng.normal(0, 1.5, (n, c))
        p = np.exp(base - base.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        labels = np.array([rng.choice(c, p=row) for row in p])
        # A per-row shift changes nothing; 6 decimals keep the fixture small and exact.
        logits = np.round(scale * base + rng.normal(0, 3, (n, 1)), 6)
        t, before, after = fit(logits, labels)
        cases.append({"name": name, "num_classes": c, "logits": logits.ravel().tolist(), "labels": labels.tolist(),
                      "temperature": t, "nll_before": before, "nll_after": after})
    with open(sys.argv[1], "w") as f:
        json.dump({"generator": "scripts/ref_temperature.py", "torch": torch.__version__, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
