#!/usr/bin/env python3
"""Reference classification metrics from scikit-learn for tests/runtime/metrics_test.cc.

Writes a JSON fixture: label sets (random and edge cases) with sklearn's accuracy,
macro recall (UAR), macro precision, macro/weighted F1, per-class
precision/recall/F1/support and the confusion matrix, all with
labels=range(num_classes) and zero_division=0.

    python scripts/ref_metrics.py tests/fixtures/train/metrics_sklearn.json
"""
import json
import sys

import numpy as np
import sklearn
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score,
                             precision_recall_fscore_support, precision_score,
                             recall_score)


def reference(y_true, y_pred, num_classes):
    labels = list(range(num_classes))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        "war": accuracy_score(y_true, y_pred),
        "uar": recall_score(y_true, y_pred, labels=labels, average="macro", zero_division=0),
        "macro_precision": precision_score(y_true, y_pred, labels=labels, average="macro", zero_division=0),
        "macro_f1": f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0),
        "weighted_f1": f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0),
        "precision": p.tolist(),
        "recall": r.tolist(),
        "f1": f.tolist(),
        "support": [int(x) for x in s],
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def cases():
    rng = np.random.default_rng(562)
    out = []
    # Random label sets of several sizes and class counts, some with skewed classes.
    for i, (n, c) in enumerate([(10, 2), (37, 4), (200, 4), (1000, 4), (53, 6), (500, 3)]):
        y_true = rng.integers(0, c, n)
        # Predictions right ~60% of the time, otherwise uniform.
        y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, c, n))
        out.append((f"random_{i}_n{n}_c{c}", y_true, y_pred, c))
    skew_true = rng.choice(4, 300, p=[0.55, 0.25, 0.15, 0.05])
    skew_pred = rng.choice(4, 300, p=[0.7, 0.2, 0.1, 0.0])
    out.append(("skewed_class3_never_predicted", skew_true, skew_pred, 4))
    # Edge cases.
    y = np.array([0, 1, 2, 3, 0, 1, 2, 3, 0])
    out.append(("all_correct", y, y.copy(), 4))
    out.append(("class_never_predicted", np.array([0, 1, 2, 3, 3, 2, 1, 0]), np.array([0, 1, 2, 0, 0, 2, 1, 0]), 4))
    out.append(("class_absent_from_truth", np.array([0, 1, 1, 0, 2, 2]), np.array([0, 1, 3, 0, 2, 3]), 4))
    out.append(("class_absent_everywhere", np.array([0, 1, 1, 0, 2]), np.array([0, 1, 0, 0, 2]), 4))
    out.append(("all_wrong", np.array([0, 1, 2, 3]), np.array([1, 2, 3, 0]), 4))
    out.append(("single_class_truth", np.array([2, 2, 2, 2, 2]), np.array([2, 0, 2, 1, 2]), 4))
    out.append(("single_item", np.array([1]), np.array([1]), 4))
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    result = {"sklearn_version": sklearn.__version__, "cases": []}
    for name, y_true, y_pred, c in cases():
        result["cases"].append({
            "name": name,
            "num_classes": c,
            "y_true": [int(v) for v in y_true],
            "y_pred": [int(v) for v in y_pred],
            "expected": reference(y_true, y_pred, c),
        })
    # One case per line: small and diff-friendly.
    with open(sys.argv[1], "w") as f:
        f.write('{"sklearn_version": %s, "cases": [\n' % json.dumps(result["sklearn_version"]))
        f.write(",\n".join(json.dumps(c) for c in result["cases"]))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
