#!/usr/bin/env python3
"""One training epoch of MER-HAN the way the Python seed pipeline does it, as the
peer for merhan's epoch benchmark (scripts/bench_epoch.sh):
  - MFCCs recomputed every batch with torchaudio.transforms.MFCC (the seed's settings),
    padded/truncated to 512 frames;
  - BERT (here all-MiniLM-L6-v2, frozen) run every batch on texts padded to 512 tokens;
  - the same MER-HAN (scripts/ref_merhan.py, an independent PyTorch implementation),
    Adam, cross-entropy, batch 32.
Trains on the utterances of the sessions given (default 3 4 5 = merhan's fold 0 of
loso) and prints JSON: {"seconds", "utterances", "batches"}.
    python scripts/bench_seed_epoch.py CORPUS/IEMOCAP_full_release MODEL_DIR [--sessions 3 4 5]
"""
import argparse
import glob
import json
import os
import re
import sys
import time

import soundfile
import torch
import torchaudio
from transformers import AutoTokenizer, BertModel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ref_merhan  # noqa: E402

CLASSES = ["neu", "hap", "ang", "sad"]
MERGE = {"exc": "hap"}


def read_sessions(root, sessions):
    items = []
    for s in sessions:
        base = os.path.join(root, f"Session{s}")
        texts = {}
        for path in glob.glob(os.path.join(base, "dialog/transcriptions/*.txt")):
            for line in open(path, encoding="utf-8"):
                m = re.match(r"^(\S+) \[[\d.]+-[\d.]+\]: (.*)$", line.rstrip("\n"))
                if m:
                    texts[m.group(1)] = m.group(2)
        for path in glob.glob(os.path.join(base, "dialog/EmoEvaluation/*.txt")):
            for line in open(path, encoding="utf-8"):
                m = re.match(r"^\[[\d.]+ - [\d.]+\]\t(\S+)\t(\w+)\t", line)
                if not m:
                    continue
                utt, code = m.group(1), MERGE.get(m.group(2), m.group(2))
                if code not in CLASSES:
                    continue
                dialog = utt.rsplit("_", 1)[0]
                wav = os.path.join(base, "sentences/wav", dialog, utt + ".wav")
                items.append((wav, texts[utt], CLASSES.index(code)))
    return items


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("model_dir")
    ap.add_argument("--sessions", type=int, nargs="+", default=[3, 4, 5])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--max-batches", type=int, default=0, help="stop after this many batches (0 = whole epoch)")
    ap.add_argument("--model", default='{"lstm_hidden": 64, "lstm_layers": 1, "cma_dim": 64, "dropout": 0.2}')
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    items = read_sessions(args.root, args.sessions)
    options = {"type": "merhan", "modalities": "both", "lstm_hidden": 256, "lstm_layers": 2, "heads": 4,
               "cma_dim": 256, "conv_kernel": 1, "dropout": 0.3, "audio_local_attention": True,
               "text_local_attention": True, "use_cma": True, "use_global_attention": True,
               "fusion": {"combine": "add", "align": "pad"}}
    options.update(json.loads(args.model))
    tokenizer = AutoTokenizer.from_pretrained(args.model_dir)
    bert = BertModel.from_pretrained(args.model_dir).eval()
    dims = {"num_classes": 4, "audio_dim": 40, "text_dim": bert.config.hidden_size}
    model = ref_merhan.build(options, dims).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    mfcc = torchaudio.transforms.MFCC(sample_rate=16000, n_mfcc=40,
                                      melkwargs={"n_fft": 512, "win_length": 400, "hop_length": 160, "n_mels": 40})
    order = torch.randperm(len(items)).tolist()
    start = time.perf_counter()
    batches = 0
    for b in range(0, len(order), args.batch):
        chunk = [items[i] for i in order[b:b + args.batch]]
        feats, lengths = [], []
        for wav, _, _ in chunk:
            x, sr = soundfile.read(wav, dtype="float32")
            m = mfcc(torch.from_numpy(x)).transpose(0, 1)[:512]  # (frames, 40), truncated to 512
            lengths.append(m.size(0))
            feats.append(torch.nn.functional.pad(m, (0, 0, 0, 512 - m.size(0))))
        audio = torch.stack(feats)
        lengths = torch.tensor(lengths)
        a_valid = torch.arange(512).unsqueeze(0) < lengths.unsqueeze(1)
        enc = tokenizer([t for _, t, _ in chunk], padding="max_length", max_length=512, truncation=True,
                        return_tensors="pt")
        with torch.no_grad():
            text = bert(**enc).last_hidden_state
        t_valid = enc["attention_mask"].bool()
        labels = torch.tensor([y for _, _, y in chunk])
        logits = model(audio, lengths, a_valid, text, t_valid)
        loss = torch.nn.functional.cross_entropy(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        batches += 1
        if args.max_batches and batches >= args.max_batches:
            break
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "utterances": min(len(items), batches * args.batch),
                      "batches": batches, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
