#!/usr/bin/env python3
"""The peer of merhan's epoch benchmark (scripts/bench_epoch.sh): one MER-HAN training
epoch done per batch the way the seed's Python code does it, written here from its
description (docs/design.md §4 and the seed's slides), not copied:
  - the seed's split: Session 5 is test; the utterances of Sessions 1-4 are shuffled
    (Python's random, seed 42) and the first 10% validate;
  - per item, as a DataLoader with no workers does: the wav read (soundfile), MFCC
    with torchaudio's transform (the seed's settings), truncated/zero-padded to 512
    frames; the transcript tokenised with padding and truncation to 512 tokens;
  - per batch: the text encoder (frozen, but in train mode, so dropout runs) on all
    512 positions, a BiLSTM on all 512 frames (no packing), multi-head attention
    without masks, the two cross-modal attention streams concatenated, global
    attention pooling, cross-entropy, Adam;
  - after the training pass, the validation pass (eval mode, no gradients), as the
    seed's trainer does every epoch.
Prints JSON: seconds of the training pass and of validation, utterance counts.
    python scripts/bench_seed_epoch.py CORPUS/IEMOCAP_full_release MODEL_DIR
    python scripts/bench_seed_epoch.py CORPUS/IEMOCAP_full_release --write-manifest OUT.csv
The second form writes the same split as a merhan manifest (speakers seed-train,
seed-val, seed-test) so that merhan trains on exactly these utterances.
"""
import argparse
import csv
import glob
import json
import os
import random
import re
import time

CLASSES = ["neu", "hap", "ang", "sad"]
MERGE = {"exc": "hap"}
MAX_LENGTH = 512


def read_sessions(root, sessions):
    """(utterance id, wav, transcript, label index, session) of the 4-class utterances."""
    items = []
    for s in sessions:
        base = os.path.join(root, f"Session{s}")
        texts = {}
        for path in sorted(glob.glob(os.path.join(base, "dialog/transcriptions/*.txt"))):
            for line in open(path, encoding="utf-8"):
                m = re.match(r"^(\S+) \[[\d.]+-[\d.]+\]: (.*)$", line.rstrip("\n"))
                if m:
                    texts[m.group(1)] = m.group(2)
        for path in sorted(glob.glob(os.path.join(base, "dialog/EmoEvaluation/*.txt"))):
            for line in open(path, encoding="utf-8"):
                m = re.match(r"^\[[\d.]+ - [\d.]+\]\t(\S+)\t(\w+)\t", line)
                if not m:
                    continue
                utt, code = m.group(1), MERGE.get(m.group(2), m.group(2))
                if code not in CLASSES:
                    continue
                dialog = utt.rsplit("_", 1)[0]
                wav = os.path.join(base, "sentences/wav", dialog, utt + ".wav")
                items.append((utt, wav, texts[utt], CLASSES.index(code), s))
    return items


def seed_split(root):
    """The seed's split: (train, val, test) item lists."""
    train = read_sessions(root, [1, 2, 3, 4])
    test = read_sessions(root, [5])
    random.Random(42).shuffle(train)
    n_val = max(1, int(0.1 * len(train)))
    return train[n_val:], train[:n_val], test


def write_manifest(root, out, replicate=1):
    """The seed's split as a manifest; with replicate=N every utterance N times
    (ids <id>-r1 ...; each copy in its original's split), a corpus N times the
    size for timings (scripts/gpu_check.sh), not for accuracy."""
    train, val, test = seed_split(root)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "wav", "text", "label", "speaker"])
        for split, items in (("seed-train", train), ("seed-val", val), ("seed-test", test)):
            for k in range(replicate):
                for utt, wav, text, label, _ in items:
                    w.writerow([utt if k == 0 else f"{utt}-r{k}", os.path.abspath(wav), text, CLASSES[label], split])
    print(json.dumps({"train": len(train) * replicate, "val": len(val) * replicate, "test": len(test) * replicate}))


def build_model(torch, encoder, hidden, layers, heads, d, num_classes):
    nn = torch.nn

    class SeedStyleMerHan(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = encoder
            for p in self.encoder.parameters():
                p.requires_grad = False  # frozen, as the seed's final version
            h = encoder.config.hidden_size
            self.lstm = nn.LSTM(40, hidden, num_layers=layers, bidirectional=True, batch_first=True)
            self.audio_attention = nn.MultiheadAttention(2 * hidden, heads, batch_first=True)
            self.audio_norm = nn.LayerNorm(2 * hidden)
            self.text_attention = nn.MultiheadAttention(h, heads, batch_first=True)
            self.text_norm = nn.LayerNorm(h)
            self.audio_projection = nn.Conv1d(2 * hidden, d, 1)
            self.text_projection = nn.Conv1d(h, d, 1)
            self.audio_to_text = nn.MultiheadAttention(d, heads, batch_first=True)
            self.text_to_audio = nn.MultiheadAttention(d, heads, batch_first=True)
            self.a2t_norm = nn.LayerNorm(d)
            self.t2a_norm = nn.LayerNorm(d)
            self.u = nn.Parameter(torch.randn(2 * d))
            self.classifier = nn.Linear(2 * d, num_classes)

        def forward(self, audio, input_ids, attention_mask):
            a, _ = self.lstm(audio)
            a = self.audio_norm(a + self.audio_attention(a, a, a, need_weights=False)[0])
            t = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            t = self.text_norm(t + self.text_attention(t, t, t, need_weights=False)[0])
            pa = self.audio_projection(a.transpose(1, 2)).transpose(1, 2)
            pt = self.text_projection(t.transpose(1, 2)).transpose(1, 2)
            a2t = self.a2t_norm(pt + self.audio_to_text(pt, pa, pa, need_weights=False)[0])
            t2a = self.t2a_norm(pa + self.text_to_audio(pa, pt, pt, need_weights=False)[0])
            fused = torch.cat([a2t, t2a], -1)  # both streams are 512 long: no alignment needed
            weights = torch.softmax(fused @ self.u, dim=1).unsqueeze(-1)
            z = (fused * weights).sum(1) * fused.mean(1)
            return self.classifier(z)

    return SeedStyleMerHan()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("model_dir", nargs="?")
    ap.add_argument("--write-manifest", help="write the seed's split as a merhan manifest and exit")
    ap.add_argument("--replicate", type=int, default=1,
                    help="with --write-manifest: list every utterance this many times (timings only)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--cma-dim", type=int, default=256)
    ap.add_argument("--max-batches", type=int, default=0,
                    help="stop training after this many batches and skip validation (0 = the whole epoch)")
    args = ap.parse_args()
    if args.write_manifest:
        write_manifest(args.root, args.write_manifest, max(1, args.replicate))
        return

    import soundfile
    import torch
    import torchaudio
    from transformers import AutoTokenizer, BertModel

    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(42)
    train, val, _ = seed_split(args.root)
    tokenizer = AutoTokenizer.from_pretrained(args.model_dir)
    encoder = BertModel.from_pretrained(args.model_dir)
    model = build_model(torch, encoder, args.hidden, args.layers, args.heads, args.cma_dim, len(CLASSES))
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    mfcc = torchaudio.transforms.MFCC(sample_rate=16000, n_mfcc=40,
                                      melkwargs={"n_fft": 512, "win_length": 400, "hop_length": 160, "n_mels": 40})

    def item(entry):
        _, wav, text, label, _ = entry
        x, _ = soundfile.read(wav, dtype="float32", always_2d=True)
        m = mfcc(torch.from_numpy(x.mean(1)).unsqueeze(0)).squeeze(0)[:, :MAX_LENGTH]
        m = torch.nn.functional.pad(m, (0, MAX_LENGTH - m.size(1)))
        enc = tokenizer(text if text.strip() else "unknown", padding="max_length", truncation=True,
                        max_length=MAX_LENGTH, return_tensors="pt")
        return m, enc["input_ids"].squeeze(0), enc["attention_mask"].squeeze(0), label

    def batches(items, shuffle):
        order = torch.randperm(len(items)).tolist() if shuffle else list(range(len(items)))
        for b in range(0, len(order), args.batch):
            parts = [item(items[i]) for i in order[b:b + args.batch]]
            audio = torch.stack([p[0].transpose(0, 1) for p in parts])  # (B, 512, 40)
            ids = torch.stack([p[1] for p in parts])
            mask = torch.stack([p[2] for p in parts])
            labels = torch.tensor([p[3] for p in parts])
            yield audio, ids, mask, labels

    start = time.perf_counter()
    model.train()
    n_batches = 0
    for audio, ids, mask, labels in batches(train, True):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(audio, ids, mask), labels)
        loss.backward()
        optimizer.step()
        n_batches += 1
        if args.max_batches and n_batches >= args.max_batches:
            break
    train_seconds = time.perf_counter() - start
    trained = min(len(train), n_batches * args.batch)
    val_seconds = 0.0
    if not args.max_batches:
        start = time.perf_counter()
        model.eval()
        with torch.no_grad():
            for audio, ids, mask, labels in batches(val, False):
                torch.nn.functional.cross_entropy(model(audio, ids, mask), labels).item()
        val_seconds = time.perf_counter() - start
    print(json.dumps({"train_seconds": train_seconds, "val_seconds": val_seconds, "train_utterances": trained,
                      "train_total": len(train), "val_utterances": 0 if args.max_batches else len(val),
                      "batches": n_batches, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
