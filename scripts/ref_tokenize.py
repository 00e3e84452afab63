#!/usr/bin/env python3
"""Reference token ids from Hugging Face for a JSONL file of strings (one JSON
string per line, so control characters survive).

  --impl fast    BertTokenizerFast (the tokenizers Rust library; transformers 5's
                 BertTokenizer), driven through its backend so 100k lines take seconds
  --impl slow    the pure-Python BertTokenizerLegacy (only to state differences)
  --impl pair    fast tokenizer on sentence pairs: each input line is a JSON list [a, b]

Writes one JSON object per input line: {"ids": [...], "type_ids": [...], "post_3_2": bool},
post_3_2 telling whether the text holds a code point not yet assigned in Unicode 3.2
(unicodedata.ucd_3_2_0): HF tokenizers classifies characters with old (Unicode 8 era)
tables, merhan with utf8proc's current ones, so only such lines may legitimately differ.

usage: ref_tokenize.py --model-dir D --input in.jsonl --output out.jsonl [--impl fast] [--max-length N]
"""
import argparse
import json
import os
import unicodedata

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--impl", choices=["fast", "slow", "pair"], default="fast")
    ap.add_argument("--max-length", type=int, default=0)
    args = ap.parse_args()
    with open(args.input, encoding="utf-8") as f:
        texts = [json.loads(line) for line in f if line.strip()]
    out = []
    if args.impl in ("fast", "pair"):
        from transformers import BertTokenizerFast
        tok = BertTokenizerFast.from_pretrained(args.model_dir)
        backend = tok.backend_tokenizer
        backend.no_padding()
        if args.max_length:
            backend.enable_truncation(args.max_length, strategy="longest_first")
        else:
            backend.no_truncation()
        if args.impl == "pair":
            encs = backend.encode_batch([tuple(t) for t in texts])
        else:
            encs = backend.encode_batch(texts)
        out = [{"ids": e.ids, "type_ids": e.type_ids} for e in encs]
    else:
        from transformers import BertTokenizerLegacy
        tok = BertTokenizerLegacy.from_pretrained(args.model_dir)
        for t in texts:
            e = tok(t, truncation=bool(args.max_length), max_length=args.max_length or None)
            out.append({"ids": e["input_ids"], "type_ids": e.get("token_type_ids", [0] * len(e["input_ids"]))})
    def post_3_2(t):
        s = "".join(t) if isinstance(t, list) else t
        return any(unicodedata.ucd_3_2_0.category(c) == "Cn" and unicodedata.category(c) != "Cn" for c in s) or any(
            unicodedata.category(c) == "Cn" for c in s)

    for o, t in zip(out, texts):
        o["post_3_2"] = post_3_2(t)
    with open(args.output, "w", encoding="utf-8") as f:
        for o in out:
            f.write(json.dumps(o) + "\n")


if __name__ == "__main__":
    main()
