#!/usr/bin/env python3
"""Reference BERT outputs from Hugging Face transformers (BertModel, eager
attention, fp32, CPU) for a padded batch of texts, tokenized by the same
directory's HF tokenizer. Writes last_hidden_state (B,T,H) and the batch's
input_ids / attention_mask (as float32) to .npy files.

usage: ref_bert.py --model-dir D --out-dir O [--text T ...] [--max-length N]
"""
import argparse
import os

import numpy as np
import torch
from transformers import AutoTokenizer, BertModel

DEFAULT_TEXTS = [
    "Excuse me, is this the line for the forms?",
    "I am so happy about the news today!",
    "Why did you do that? I'm really angry.",
    "Wow.",
    "Ça va? Naïve café — 日本語 and emoji 😀 [MASK] here.",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--text", action="append")
    ap.add_argument("--max-length", type=int, default=128)
    args = ap.parse_args()
    texts = args.text or DEFAULT_TEXTS
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(args.model_dir)
    model = BertModel.from_pretrained(args.model_dir, attn_implementation="eager", add_pooling_layer=True)
    model.eval()
    batch = tok(texts, padding=True, truncation=True, max_length=args.max_length, return_tensors="pt")
    with torch.no_grad():
        out = model(**batch).last_hidden_state
    os.makedirs(args.out_dir, exist_ok=True)
    np.save(os.path.join(args.out_dir, "last_hidden_state.npy"), out.numpy().astype(np.float32))
    np.save(os.path.join(args.out_dir, "input_ids.npy"), batch["input_ids"].numpy().astype(np.float32))
    np.save(os.path.join(args.out_dir, "attention_mask.npy"), batch["attention_mask"].numpy().astype(np.float32))
    with open(os.path.join(args.out_dir, "texts.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(texts) + "\n")
    print(f"last_hidden_state {tuple(out.shape)} -> {args.out_dir}")


if __name__ == "__main__":
    main()
