#!/usr/bin/env python3
"""Reference ids from the `sentencepiece` Python package for a JSONL file of
strings: writes {"ids": [...], "bos": b, "eos": e} per line (plain encode, no
specials; the test adds the model's bos/eos itself as the tokenizer's CLS/SEP).

usage: ref_sentencepiece.py --model M.model --input in.jsonl --output out.jsonl
"""
import argparse
import json

import sentencepiece as spm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    args = ap.parse_args()
    sp = spm.SentencePieceProcessor(model_file=args.model)
    with open(args.input, encoding="utf-8") as f:
        texts = [json.loads(line) for line in f if line.strip()]
    with open(args.output, "w", encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps({"ids": sp.encode(t), "bos": sp.bos_id(), "eos": sp.eos_id()}) + "\n")


if __name__ == "__main__":
    main()
