#!/usr/bin/env python3
"""Reference seed-004 baselines over any number of streams, for tests/nn/baselines_parity_test.cc.

A plain-PyTorch/NumPy implementation of the seed's pipeline (../shared seed 004,
docs/design.md §4): masked temporal mean pooling of each stream, a unimodal MLP
(nn.Sequential in -> h -> h/2 -> classes, ReLU), early fusion (each pooled stream
standardised with the given training statistics, concatenated in model.streams order,
MLP -> h -> h/2 -> classes) and late fusion of one MLP per stream by mean probability
or by majority vote (np.bincount per utterance; a tie between classes goes to the class
of the most confident voter among those backing a tied class, the earlier voter on an
exact tie; the output is the mean distribution of the voters backing the winner).

    python scripts/ref_baselines.py <dir>/index.json

index.json: {"variants": [{"name", "type": mlp|early_fusion|late_fusion, "rule": vote|mean,
"streams": [names], "hidden": h, "num_classes": C, "tensors": {module name: file},
"inputs": {stream: {"values": file, "mask": file}}, "output": file}]}; files are float32
.npy relative to <dir>. Writes the logits (mlp, early fusion) or log-probabilities (late
fusion) as float32 .npy. Tolerance used by the test: 1e-6 absolute.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn


def pooled(values, mask):
    w = torch.from_numpy(mask > 0.5).unsqueeze(-1).to(torch.float32)
    x = torch.from_numpy(values)
    return (x * w).sum(1) / w.sum(1).clamp(min=1.0)


def mlp(tensors, prefix, n_out_check=None):
    w1, b1 = tensors[prefix + "fc1.weight"], tensors[prefix + "fc1.bias"]
    w2, b2 = tensors[prefix + "fc2.weight"], tensors[prefix + "fc2.bias"]
    w3, b3 = tensors[prefix + "output.weight"], tensors[prefix + "output.bias"]
    net = nn.Sequential(nn.Linear(w1.shape[1], w1.shape[0]), nn.ReLU(), nn.Linear(w2.shape[1], w2.shape[0]), nn.ReLU(),
                        nn.Linear(w3.shape[1], w3.shape[0]))
    with torch.no_grad():
        for layer, (w, b) in zip([net[0], net[2], net[4]], [(w1, b1), (w2, b2), (w3, b3)]):
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
    return net.eval()


def vote(probs):
    """probs: (K, B, C) numpy -> (B, C) log of the winners' mean distribution."""
    k, b, c = probs.shape
    out = np.zeros((b, c), dtype=np.float64)
    for i in range(b):
        votes = probs[:, i, :].argmax(-1)
        conf = probs[:, i, :].max(-1)
        counts = np.bincount(votes, minlength=c)
        tied = set(np.flatnonzero(counts == counts.max()))
        best = max((j for j in range(k) if votes[j] in tied), key=lambda j: (conf[j], -j))
        backers = [j for j in range(k) if votes[j] == votes[best]]
        out[i] = np.log(probs[backers, i, :].mean(0))
    return out


def run(v, load):
    streams = v["streams"]
    tensors = {name: load(f) for name, f in v["tensors"].items()}
    x = {s: pooled(load(v["inputs"][s]["values"]), load(v["inputs"][s]["mask"])) for s in streams}
    with torch.no_grad():
        if v["type"] == "mlp":
            return mlp(tensors, "")(x[streams[0]]).numpy()
        if v["type"] == "early_fusion":
            z = [(x[s] - torch.from_numpy(tensors[s + "_mean"])) / torch.from_numpy(tensors[s + "_std"]) for s in streams]
            return mlp(tensors, "")(torch.cat(z, -1)).numpy()
        probs = np.stack([torch.softmax(mlp(tensors, s + "_classifier.")(x[s]), -1).double().numpy() for s in streams])
        if v["rule"] == "mean":
            return np.log(probs.mean(0))
        return vote(probs)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = os.path.dirname(os.path.abspath(sys.argv[1]))
    with open(sys.argv[1]) as f:
        index = json.load(f)
    load = lambda name: np.load(os.path.join(root, name))
    for v in index["variants"]:
        out = run(v, load)
        np.save(os.path.join(root, v["output"]), np.asarray(out, dtype=np.float32))
        print(f"{v['name']}: {out.shape}")


if __name__ == "__main__":
    main()
