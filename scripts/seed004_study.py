#!/usr/bin/env python3
"""Seed 004's comparison table from merhan runs: one row per run directory, WAR, UAR,
macro-F1 and F1-micro as mean +- sample std over the folds' test results.

F1-micro is computed here with scikit-learn (f1_score(average="micro")) from each fold's
predictions.csv, independently of merhan's metrics; with one label and one prediction per
utterance it equals accuracy (WAR), which the script checks (|difference| <= 1e-6).

    python scripts/seed004_study.py NAME=RUN_DIR ... [--out table.md]
"""
import argparse
import csv
import glob
import json
import os
import statistics
import sys

from sklearn.metrics import f1_score


def fold_scores(run_dir):
    summary = json.load(open(os.path.join(run_dir, "summary.json")))
    rows = []
    for r in summary["runs"]:
        pred = glob.glob(os.path.join(run_dir, f"fold-{r['fold']}", f"seed-{r['seed']}", "predictions.csv"))
        if len(pred) != 1:
            sys.exit(f"{run_dir}: no predictions.csv for fold {r['fold']} seed {r['seed']}")
        with open(pred[0]) as f:
            table = list(csv.DictReader(f))
        micro = f1_score([t["true"] for t in table], [t["pred"] for t in table], average="micro")
        test = r["test"]
        if abs(micro - test["war"]) > 1e-6:
            sys.exit(f"{run_dir}: F1-micro {micro} differs from WAR {test['war']} (fold {r['fold']})")
        rows.append({"war": test["war"], "uar": test["uar"], "macro_f1": test["macro_f1"], "micro_f1": micro})
    return rows


def cell(values):
    m = 100 * statistics.mean(values)
    s = 100 * statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{m:.2f} ± {s:.2f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", help="NAME=RUN_DIR")
    parser.add_argument("--out", help="also write the Markdown table here")
    args = parser.parse_args()
    lines = ["| method | folds | F1-micro (%) | WAR (%) | UAR (%) | macro-F1 (%) |", "|---|---|---|---|---|---|"]
    for spec in args.runs:
        name, run_dir = spec.split("=", 1)
        rows = fold_scores(run_dir)
        lines.append(f"| {name} | {len(rows)} | " + " | ".join(cell([r[k] for r in rows]) for k in
                                                           ("micro_f1", "war", "uar", "macro_f1")) + " |")
    table = "\n".join(lines) + "\n"
    print(table, end="")
    if args.out:
        with open(args.out, "w") as f:
            f.write(table)


if __name__ == "__main__":
    main()
