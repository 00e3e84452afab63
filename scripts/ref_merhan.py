#!/usr/bin/env python3
"""Reference MER-HAN and baselines in plain PyTorch, for tests/nn/model_parity_test.cc.

An independent implementation of docs/design.md §4 with stock modules (nn.LSTM +
pack_padded_sequence, nn.MultiheadAttention(batch_first=True), nn.Conv1d
(padding='same'), nn.LayerNorm, nn.Linear). It reads, per variant, the C++ model's
options, its parameters and buffers (one float32 .npy per tensor, named as in the
C++ module tree) and an input batch, loads the parameters with
load_state_dict(strict=True) -- so the module trees must match name for name --
runs the model in eval mode and writes the logits as .npy.

    python scripts/ref_merhan.py <dir>/index.json

index.json: {"variants": [{"name", "options": {model.* keys}, "dims": {num_classes,
audio_dim, text_dim}, "tensors": {name: file}, "inputs": {audio, audio_lengths,
audio_mask, text, text_mask: file}, "output": file}]}; files are relative to <dir>.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


# ---------------------------------------------------------------- masked helpers
def zero_padding(x, valid):
    return x * valid.unsqueeze(-1).to(x.dtype)


def masked_mean(x, valid):
    w = valid.unsqueeze(-1).to(x.dtype)
    return (x * w).sum(1) / w.sum(1).clamp(min=1.0)


class AdditiveAttentionPool(nn.Module):
    """alpha = softmax_t(w . tanh(W h_t + b)) over valid t; returns sum_t alpha_t h_t."""

    def __init__(self, dim):
        super().__init__()
        self.projection = nn.Linear(dim, dim)
        self.score = nn.Linear(dim, 1, bias=False)

    def forward(self, x, valid):
        e = self.score(torch.tanh(self.projection(x))).squeeze(-1)
        alpha = torch.softmax(e.masked_fill(~valid, float("-inf")), dim=1)
        return (alpha.unsqueeze(-1) * zero_padding(x, valid)).sum(1)


class AttentionAddNorm(nn.Module):
    """LayerNorm(q + MHA(q, kv, kv)) with a key padding mask."""

    def __init__(self, dim, heads):
        super().__init__()
        self.attention = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm = nn.LayerNorm(dim)

    def forward(self, q, kv, kv_valid):
        out, _ = self.attention(q, kv, kv, key_padding_mask=~kv_valid, need_weights=False)
        return self.norm(q + out)


# ---------------------------------------------------------------- MER-HAN
class AudioATE(nn.Module):
    def __init__(self, n_in, hidden, layers, heads, local_attention):
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden, num_layers=layers, bidirectional=True, batch_first=True)
        if local_attention:
            self.local_attention = AttentionAddNorm(2 * hidden, heads)
        else:
            self.local_attention = None

    def forward(self, x, lengths, valid):
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.size(1))
        if self.local_attention is not None:
            out = self.local_attention(out, out, valid)
        return out


class CMA(nn.Module):
    def __init__(self, audio_dim, text_dim, d, heads, kernel, units):
        super().__init__()
        self.audio_projection = nn.Conv1d(audio_dim, d, kernel, padding="same")
        self.text_projection = nn.Conv1d(text_dim, d, kernel, padding="same")
        self.units = units
        if units:
            self.audio_unit = AttentionAddNorm(d, heads)  # Q audio, K=V text
            self.text_unit = AttentionAddNorm(d, heads)   # Q text,  K=V audio

    def forward(self, a, a_valid, t, t_valid):
        pa = self.audio_projection(zero_padding(a, a_valid).transpose(1, 2)).transpose(1, 2)
        pt = self.text_projection(zero_padding(t, t_valid).transpose(1, 2)).transpose(1, 2)
        if not self.units:
            return pa, pt
        return self.audio_unit(pa, pt, t_valid), self.text_unit(pt, pa, a_valid)


class MerHan(nn.Module):
    def __init__(self, o, dims):
        super().__init__()
        self.o = o
        self.use_audio = o["modalities"] in ("both", "audio")
        self.use_text = o["modalities"] in ("both", "text")
        both = self.use_audio and self.use_text
        H = dims["text_dim"]
        if self.use_audio:
            self.audio_encoder = AudioATE(dims["audio_dim"], o["lstm_hidden"], o["lstm_layers"], o["heads"],
                                          o["audio_local_attention"])
            width = 2 * o["lstm_hidden"]
        if self.use_text:
            if o["text_local_attention"]:
                self.text_local_attention = AttentionAddNorm(H, o["heads"])
            width = H
        if both:
            self.cma = CMA(2 * o["lstm_hidden"], H, o["cma_dim"], o["heads"], o["conv_kernel"], o["use_cma"])
            width = o["cma_dim"]
        self.concat = both and o["fusion"]["combine"] == "concat"
        fused = 2 * width if self.concat else width
        self.pool = o["fusion"]["align"] == "pool"
        if self.pool:
            if self.use_audio:
                self.audio_pool = AdditiveAttentionPool(width)
            if self.use_text:
                self.text_pool = AdditiveAttentionPool(width)
        elif o["use_global_attention"]:
            self.global_attention = AdditiveAttentionPool(fused)
        self.dropout = nn.Dropout(o["dropout"])
        self.classifier = nn.Linear(fused, dims["num_classes"])

    def forward(self, audio, lengths, a_valid, text, t_valid):
        seqs = []
        if self.use_audio:
            seqs.append((self.audio_encoder(audio, lengths, a_valid), a_valid))
        if self.use_text:
            t = self.text_local_attention(text, text, t_valid) if hasattr(self, "text_local_attention") else text
            seqs.append((t, t_valid))
        if len(seqs) == 2:
            (a, av), (t, tv) = seqs
            a, t = self.cma(a, av, t, tv)
            seqs = [(a, av), (t, tv)]
        if self.pool:
            pools = ([self.audio_pool] if self.use_audio else []) + ([self.text_pool] if self.use_text else [])
            vecs = [p(x, v) for p, (x, v) in zip(pools, seqs)]
            z = torch.cat(vecs, -1) if self.concat else sum(vecs)
        else:
            T = max(x.size(1) for x, _ in seqs)
            padded = [F.pad(zero_padding(x, v), (0, 0, 0, T - x.size(1))) for x, v in seqs]
            valids = [F.pad(v, (0, T - v.size(1)), value=False) for _, v in seqs]
            combined = torch.cat(padded, -1) if self.concat else sum(padded)
            valid = valids[0] if len(valids) == 1 else valids[0] | valids[1]
            s = masked_mean(combined, valid)
            z = self.global_attention(combined, valid) * s if hasattr(self, "global_attention") else s
        return self.classifier(self.dropout(z))


# ---------------------------------------------------------------- seed-004 baselines
class Unimodal(nn.Module):
    def __init__(self, modality, n_in, hidden, n_out):
        super().__init__()
        self.modality = modality
        self.fc1 = nn.Linear(n_in, hidden)
        self.fc2 = nn.Linear(hidden, hidden // 2)
        self.output = nn.Linear(hidden // 2, n_out)

    def forward(self, audio, lengths, a_valid, text, t_valid):
        x = masked_mean(audio, a_valid) if self.modality == "audio" else masked_mean(text, t_valid)
        return self.output(F.relu(self.fc2(F.relu(self.fc1(x)))))


class EarlyFusion(nn.Module):
    def __init__(self, o, dims):
        super().__init__()
        A, H = dims["audio_dim"], dims["text_dim"]
        for name, size, fill in [("audio_mean", A, 0.0), ("audio_std", A, 1.0), ("text_mean", H, 0.0), ("text_std", H, 1.0)]:
            self.register_buffer(name, torch.full((size,), fill))
        h = o["fusion_hidden"]
        self.fc1 = nn.Linear(A + H, h)
        self.fc2 = nn.Linear(h, h // 2)
        self.output = nn.Linear(h // 2, dims["num_classes"])

    def forward(self, audio, lengths, a_valid, text, t_valid):
        a = (masked_mean(audio, a_valid) - self.audio_mean) / self.audio_std
        t = (masked_mean(text, t_valid) - self.text_mean) / self.text_std
        return self.output(F.relu(self.fc2(F.relu(self.fc1(torch.cat([a, t], -1))))))


class LateFusion(nn.Module):
    def __init__(self, o, dims):
        super().__init__()
        self.rule = o["late_rule"]
        self.audio_classifier = Unimodal("audio", dims["audio_dim"], o["mlp_hidden"], dims["num_classes"])
        self.text_classifier = Unimodal("text", dims["text_dim"], o["mlp_hidden"], dims["num_classes"])

    def forward(self, *inputs):
        pa = torch.softmax(self.audio_classifier(*inputs), -1)
        pt = torch.softmax(self.text_classifier(*inputs), -1)
        mean = (pa + pt) / 2
        if self.rule == "mean":
            return torch.log(mean)
        # Two voters: agreement -> mean distribution; disagreement -> the more confident voter.
        out = []
        for i in range(pa.size(0)):
            ca, ct = int(pa[i].argmax()), int(pt[i].argmax())
            if ca == ct:
                out.append(mean[i])
            else:
                out.append(pa[i] if pa[i].max() >= pt[i].max() else pt[i])
        return torch.log(torch.stack(out))


def build(o, dims):
    t = o["type"]
    if t == "merhan":
        return MerHan(o, dims)
    if t in ("audio", "text"):
        n_in = dims["audio_dim"] if t == "audio" else dims["text_dim"]
        return Unimodal(t, n_in, o["mlp_hidden"], dims["num_classes"])
    if t == "early_fusion":
        return EarlyFusion(o, dims)
    if t == "late_fusion":
        return LateFusion(o, dims)
    raise ValueError(t)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    torch.manual_seed(0)
    index_path = sys.argv[1]
    root = os.path.dirname(os.path.abspath(index_path))
    with open(index_path) as f:
        index = json.load(f)
    load = lambda name: torch.from_numpy(np.load(os.path.join(root, name)))
    for v in index["variants"]:
        model = build(v["options"], v["dims"])
        state = {name: load(fname) for name, fname in v["tensors"].items()}
        model.load_state_dict(state, strict=True)
        model.eval()
        inp = v["inputs"]
        audio = load(inp["audio"])
        lengths = load(inp["audio_lengths"]).round().long()
        a_valid = load(inp["audio_mask"]) > 0.5
        text = load(inp["text"])
        t_valid = load(inp["text_mask"]) > 0.5
        with torch.no_grad():
            logits = model(audio, lengths, a_valid, text, t_valid)
        np.save(os.path.join(root, v["output"]), logits.numpy().astype(np.float32))
        print(f"{v['name']}: {tuple(logits.shape)}")


if __name__ == "__main__":
    main()
