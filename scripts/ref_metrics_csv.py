#!/usr/bin/env python3
"""scikit-learn metrics of a merhan predictions.csv (id,true,pred,p_<class>...),
for tests/cli/end_to_end_test.cc. Prints JSON with war, uar, macro_f1, weighted_f1,
per-class precision/recall/f1 and the confusion matrix, using labels = the class
list given and zero_division=0.
    python scripts/ref_metrics_csv.py predictions.csv neu hap ang sad
"""
import csv
import json
import sys

from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score,
                             precision_recall_fscore_support, recall_score)


def main():
    path, classes = sys.argv[1], sys.argv[2:]
    index = {c: i for i, c in enumerate(classes)}
    y_true, y_pred = [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["true"] == "":
                continue
            y_true.append(index[row["true"]])
            y_pred.append(index[row["pred"]])
    labels = list(range(len(classes)))
    p, r, f1, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    print(json.dumps({
        "count": len(y_true),
        "war": accuracy_score(y_true, y_pred),
        "uar": recall_score(y_true, y_pred, labels=labels, average="macro", zero_division=0),
        "macro_f1": f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0),
        "weighted_f1": f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0),
        "precision": p.tolist(), "recall": r.tolist(), "f1": f1.tolist(),
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }))


if __name__ == "__main__":
    main()
