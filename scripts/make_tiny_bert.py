#!/usr/bin/env python3
"""Saves a tiny random BertModel (transformers) into OUT in both weight formats:
OUT/safetensors/ (model.safetensors) and OUT/bin/ (pytorch_model.bin, written by
torch.save of the state dict, which is what save_pretrained(safe_serialization=False)
did), each with config.json, vocab.txt and tokenizer_config.json (a copy of the
MiniLM vocabulary, so the tokenizer is real). Also writes OUT/reference/ with HF's
last_hidden_state for a padded batch (scripts/ref_bert.py's default texts).

usage: make_tiny_bert.py --vocab-dir MINILM_DIR --out OUT [--act gelu]
"""
import argparse
import os
import shutil
import subprocess
import sys

import torch
from safetensors.torch import save_file
from transformers import BertConfig, BertModel


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--act", default="gelu")
    args = ap.parse_args()
    torch.manual_seed(1234)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=128, type_vocab_size=2,
                        hidden_act=args.act, layer_norm_eps=1e-7)
    model = BertModel(config)
    # Non-trivial LayerNorm/bias parameters, so that a wrong mapping shows.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name or name.endswith("bias"):
                p.add_(torch.randn_like(p) * 0.1)
    model.eval()
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    for sub in ("safetensors", "bin"):
        d = os.path.join(args.out, sub)
        os.makedirs(d, exist_ok=True)
        config.save_pretrained(d)
        for f in ("vocab.txt", "tokenizer_config.json"):
            shutil.copy(os.path.join(args.vocab_dir, f), d)
    save_file(state, os.path.join(args.out, "safetensors", "model.safetensors"), metadata={"format": "pt"})
    # As transformers' BertForPreTraining checkpoints are stored: "bert." prefix, an MLM head.
    bin_state = {"bert." + k: v for k, v in state.items()}
    bin_state["cls.predictions.bias"] = torch.zeros(config.vocab_size)
    torch.save(bin_state, os.path.join(args.out, "bin", "pytorch_model.bin"))
    subprocess.check_call([sys.executable, os.path.join(os.path.dirname(__file__), "ref_bert.py"),
                           "--model-dir", os.path.join(args.out, "safetensors"),
                           "--out-dir", os.path.join(args.out, "reference")])


if __name__ == "__main__":
    main()
