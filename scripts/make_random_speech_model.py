#!/usr/bin/env python3
"""A random speech encoder of a real shape from scripts/speech_shapes/<name>.json, with
torch alone (no transformers: for GPU hosts): config.json and pytorch_model.bin in a
Hugging Face directory merhan loads. Speed does not depend on the values; they are
scaled so that fp32 and bf16 runs stay comparable (norm weights near 1, small biases,
weights ~ N(0, 0.02)).

  scripts/make_random_speech_model.py --shapes scripts/speech_shapes/wavlm-base-plus.json --out DIR [--seed 1]
"""
import argparse
import json
import os

import torch


def value(name, shape, gen):
    if name.endswith("bias"):
        return torch.randn(shape, generator=gen) * 0.02
    if name.endswith("weight_g") or "gru_rel_pos_const" in name:
        return torch.rand(shape, generator=gen) + 0.5
    if len(shape) == 1:  # LayerNorm / GroupNorm weights
        return 1.0 + torch.randn(shape, generator=gen) * 0.1
    return torch.randn(shape, generator=gen) * 0.02


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shapes", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    doc = json.load(open(args.shapes))
    gen = torch.Generator().manual_seed(args.seed)
    tensors = {name: value(name, shape, gen).contiguous() for name, shape in sorted(doc["tensors"].items())}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(doc["config"], f, indent=1)
    torch.save(tensors, os.path.join(args.out, "pytorch_model.bin"))
    print(json.dumps({"out": args.out, "tensors": len(tensors), "values": sum(t.numel() for t in tensors.values())}))


if __name__ == "__main__":
    main()
