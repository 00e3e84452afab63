#!/usr/bin/env python3
"""Per-speaker standardisation of a feature stream in plain NumPy: the reference for
merhan's data.streams.<name>.normalize (tests/data/speaker_standardization_test.cc).

  ref_speaker_norm.py INDEX.json

INDEX.json: {"mode": "speaker" | "speaker-transductive",
             "utterances": [{"id": ..., "speaker": ..., "train": true|false,
                             "file": "<features>.npy"}, ...]}
(files relative to INDEX.json's folder; 2-D frames x dim, or 1-D for a pooled vector).
Writes <id>.ref.npy beside INDEX.json: the utterance's rows standardised, float32.

speaker: each training speaker standardised with the mean and standard deviation of
the rows of its own (training) utterances; every other speaker with those of all
training rows pooled. speaker-transductive: every speaker with its own rows'. Per
feature, population standard deviation (ddof 0); a feature with std < 1e-8 gets std 1.
Computed in float64, rounded to float32 once.
"""
import json
import os
import sys

import numpy as np

MIN_STD = 1e-8


def moments(rows):
    x = np.concatenate(rows, axis=0).astype(np.float64)
    mean = x.mean(axis=0)
    std = x.std(axis=0)  # ddof 0
    std[std < MIN_STD] = 1.0
    return mean, std


def main():
    index_path = sys.argv[1]
    base = os.path.dirname(os.path.abspath(index_path))
    with open(index_path) as f:
        index = json.load(f)
    mode = index["mode"]
    if mode not in ("speaker", "speaker-transductive"):
        sys.exit(f"unknown mode {mode!r}")
    utts = index["utterances"]
    feats = {}
    for u in utts:
        a = np.load(os.path.join(base, u["file"]))
        feats[u["id"]] = a.reshape(1, -1) if a.ndim == 1 else a
    fitted = [u for u in utts if mode == "speaker-transductive" or u["train"]]
    by_speaker = {}
    for u in fitted:
        by_speaker.setdefault(u["speaker"], []).append(feats[u["id"]])
    own = {s: moments(rows) for s, rows in by_speaker.items()}
    pooled = moments([feats[u["id"]] for u in fitted])
    for u in utts:
        mean, std = own.get(u["speaker"], pooled)
        out = ((feats[u["id"]].astype(np.float64) - mean) / std).astype(np.float32)
        np.save(os.path.join(base, u["id"] + ".ref.npy"), out)


if __name__ == "__main__":
    main()
