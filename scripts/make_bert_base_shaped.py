#!/usr/bin/env python3
"""Saves a randomly initialised BERT-base-shaped encoder (transformers' BertConfig
defaults: 12 layers, hidden 768, 12 heads, intermediate 3072, 512 positions) into
OUT with config.json, model.safetensors and MiniLM's uncased vocabulary. The seed
pipeline used bert-base-uncased, which cannot be fetched here; its cost per token
does not depend on the weights, so the epoch benchmark (scripts/bench_epoch.sh)
times this stand-in on both sides. Not for accuracy.

usage: make_bert_base_shaped.py --vocab-dir MINILM_DIR --out OUT [--tiny]
--tiny: 2 layers of hidden 32 instead (scripts/gpu_check.sh's CPU dry run).
"""
import argparse
import os
import shutil

import torch
from safetensors.torch import save_file
from transformers import BertConfig, BertModel


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tiny", action="store_true", help="2 layers, hidden 32, 4 heads (dry runs)")
    args = ap.parse_args()
    if os.path.exists(os.path.join(args.out, "model.safetensors")):
        return
    torch.manual_seed(1)
    config = BertConfig()  # bert-base-uncased's shape
    if args.tiny:
        config = BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64)
    model = BertModel(config).eval()
    os.makedirs(args.out, exist_ok=True)
    config.save_pretrained(args.out)
    for f in ("vocab.txt", "tokenizer_config.json"):
        shutil.copy(os.path.join(args.vocab_dir, f), args.out)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    tmp = os.path.join(args.out, "model.safetensors.tmp")
    save_file(state, tmp, metadata={"format": "pt"})
    os.replace(tmp, os.path.join(args.out, "model.safetensors"))


if __name__ == "__main__":
    main()
