#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses (fuzz/corpus/<harness>/, docs/fuzzing.md).

Seeds are small valid inputs plus the malformed cases the unit tests know, so that each
harness starts deep in its parser. Inputs are built from the repository's own configs
and fixtures and from a `tiny` corpus of scripts/make_corpus (--corpus), with sox and
spm_train (Debian) for audio and SentencePiece seeds, and the ffmpeg tool for containers. Existing seeds are kept: the
corpora also hold what libFuzzer found and `-merge=1` kept.

    python3 scripts/make_fuzz_seeds.py --corpus /tmp/merhan-tiny
"""
import argparse
import glob
import hashlib
import json
import os
import struct
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEP = b"\n=====\n"  # fuzz/fuzz_support.h SplitInput


def put(harness, data, name=None):
    d = os.path.join(ROOT, "fuzz", "corpus", harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    name = name or "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def configs():
    files = sorted(glob.glob(os.path.join(ROOT, "configs", "*.json")))
    for path in files:
        put("config", read(path))  # extends a missing file: an error naming it
    base = read(os.path.join(ROOT, "configs", "base.json"))
    merhan = read(os.path.join(ROOT, "configs", "iemocap_merhan.json")).replace(b'"base.json"', b'"c.json"')
    demo = read(os.path.join(ROOT, "configs", "demo.json")).replace(b'"iemocap_merhan.json"', b'"b.json"')
    put("config", demo + SEP + merhan + SEP + base)
    put("config", b'{"extends": "b.json", "train": {"lr": 1e-3}}' + SEP + b'{"extends": "a.json"}')
    put("config", b'{"extends": "a.json"}')
    put("config", b'{"extends": "/dev/zero"}')
    put("config", b'{"extends": "."}')
    put("config", b'{"train": {"epochs": 1e300, "lr": 1e300}, "run": {"seeds": [4294967297]}}')
    put("config", b'// comment\n{"model": {"dropout": 0.5}, "data": {"merge": {"hap": ["hap", "exc"]}}}')


def overrides():
    put("set", "train.lr=1e-4\nmodel.use_cma=false\nrun.seeds=[1,2,3]\ndata.classes=neu,hap,ang,sad\n")
    put("set", "train.epochs=1e3\ntrain.batch_size=32\ndata.format=manifest\ntext.model_dir=minilm\n")
    put("set", "train.epochs=1e300\n")
    put("set", "train.lr=3.5e38\nmodel.dropout=1e39\n")
    put("set", "run.seeds=[4294967297]\n")
    put("set", 'data.merge={"hap":["hap","exc"]}\nfusion.combine=add\n')
    put("set", "no_equals_sign\n=value\nunknown.key=1\n")


def iemocap(corpus):
    release = os.path.join(corpus, "IEMOCAP_full_release")
    for path in sorted(glob.glob(os.path.join(release, "Session1", "dialog", "EmoEvaluation", "*.txt")))[:4]:
        put("iemocap_labels", read(path))
    for path in sorted(glob.glob(os.path.join(release, "Session1", "dialog", "transcriptions", "*.txt")))[:4]:
        put("iemocap_transcripts", read(path))
    for line in [b"[2.8 - ]\tSes02F_impro01_F000\tneu\t[2.5, 2.5, 2.5]",
                 b"[4.8 - 4.1]\tSes02F_impro01_F000\tneu\t[2.5, 2.5, 2.5]",
                 b"[2.8 - 4.1]\tSes02F_impro01_F000\thappy\t[2.5, 2.5, 2.5]",
                 b"[nan - inf]\tSes02F_impro01_F000\tneu\t[2.5, 2.5, 2.5]",
                 b"C-E1:\tNeutral state;\t()\r\n%header"]:
        put("iemocap_labels", line + b"\n")
    for text in [b"Ses01F_impro01_F000 [006.2901-008.2357]: Excuse me.\nSes01F_impro01_F000 [1-2]: again\n",
                 b"Ses01F_impro01_MXX0 [1-2]: x\nSes01F_impro01_M000 [1-2]:\n",
                 b"Ses01F_impro01_F000 [006.2901-: open\n", b"Ses ]: [\n"]:
        put("iemocap_transcripts", text)


def manifests():
    fixture = os.path.join(ROOT, "tests", "fixtures", "data", "manifest")
    csv = read(os.path.join(fixture, "manifest.csv"))
    jsonl = read(os.path.join(fixture, "manifest.jsonl"))
    for flags in (0, 2):
        put("manifest", bytes([flags]) + csv)
        put("manifest", bytes([flags | 1]) + jsonl)
    put("manifest", b"\x00id,wav,text,label,speaker,session\nu1,wavs/a.wav,\"two\nlines\",neu,s1,1\n"
                    b"u1,wavs/b.wav,\"never closed,neu,s2\n")
    put("manifest", b"\x02\xef\xbb\xbfid,wav,text,label,speaker,session\r\nu1,wavs/a.wav,,hap,s1,99999999999\r\n")
    put("manifest", b'\x03{"id":"u1","wav":"wavs/a.wav","text":"hi","label":"neu","speaker":"s","session":"x"}\n'
                    b'{"id":2,"wav":"wavs/b.wav","text":"","label":"ang","speaker":3,"session":1e400}\n[1]\n')


def tokenizers():
    vocab = b"[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n,\n!\n.\nna\n##ive\ncafe\n1\n##2\n##3\n"
    put("vocab", vocab)
    put("vocab", b"a\nb\na\n")
    put("vocab", b"a\r\nb\r\n")
    put("vocab", b"a\n\nb\n")
    config = json.dumps({"do_lower_case": True, "cls_token": "[CLS]", "sep_token": "[SEP]",
                         "unk_token": "[UNK]", "pad_token": "[PAD]", "model_max_length": 512}).encode()
    put("wordpiece", vocab + SEP + config + SEP + "Hello, WORLD! Naïve café 123 \u00e9\u0301 日本".encode())
    put("wordpiece", vocab + SEP + b'{"cls_token": {"content": "[CLS]"}, "do_lower_case": false}' + SEP + b"x" * 300)
    put("wordpiece", vocab + SEP + b'{"unk_token": "[NOPE]"}')
    put("wordpiece", vocab)


def sentencepiece(corpus):
    text = []
    for path in sorted(glob.glob(os.path.join(corpus, "IEMOCAP_full_release", "Session*", "dialog", "transcriptions", "*.txt"))):
        for line in read(path).decode().splitlines():
            if "]: " in line:
                text.append(line.split("]: ", 1)[1])
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "text.txt"), "w") as f:
            f.write("\n".join(text * 3) + "\n")
        for kind, size in (("unigram", 60), ("bpe", 60)):
            prefix = os.path.join(tmp, kind)
            subprocess.run(["spm_train", "--input=" + os.path.join(tmp, "text.txt"), "--model_prefix=" + prefix,
                            "--vocab_size=%d" % size, "--model_type=" + kind, "--character_coverage=1.0",
                            "--hard_vocab_limit=false", "--normalization_rule_name=identity"], check=True, capture_output=True)
            model = read(prefix + ".model")
            put("sentencepiece", model + SEP + b"{}" + SEP + b"Hello there, how are you?")
            put("sentencepiece", model + SEP + b'{"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 1e300}')
            put("sentencepiece", model[: len(model) // 2])
    put("sentencepiece", b"not a model")


def npy():
    def header(descr, shape, version=1):
        h = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
        h = h + " " * ((64 - (10 + len(h) + 1) % 64) % 64) + "\n"
        if version == 1:
            return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode()
        return b"\x93NUMPY\x02\x00" + struct.pack("<I", len(h)) + h.encode()
    put("npy", header("<f4", "(2, 3)") + struct.pack("<6f", *range(6)))
    put("npy", header("<f8", "(4,)") + struct.pack("<4d", 1.5, -2, 1e300, 0))
    put("npy", header("<f4", "()") + struct.pack("<f", 7))
    put("npy", header("<f4", "(0, 5)", version=2))
    put("npy", header("<f4", "(4611686018427387904, 4)") + b"\0" * 16)
    put("npy", header("<f4", "(99999999999999999999999,)"))
    put("npy", header(">f4", "(1,)") + b"\0" * 4)
    put("npy", header("<i8", "(1,)") + b"\0" * 8)


def checkpoint_meta():
    merhan = json.loads(read(os.path.join(ROOT, "configs", "iemocap_merhan.json")))
    merhan.pop("extends", None)
    meta = {"format": "merhan-checkpoint", "version": 1, "kind": "best", "config": merhan,
            "classes": ["neu", "hap", "ang", "sad"], "dims": {"num_classes": 4, "audio_dim": 40, "text_dim": 384},
            "fold": 0, "fold_name": "session1", "seed": 1, "epoch": 3, "metrics": {"loss": 0.5},
            "text_encoder": None, "calibration": None}
    put("checkpoint_meta", json.dumps(meta))
    for key, value in (("version", 2), ("epoch", 1e300), ("seed", 4294967297), ("fold", 1.5), ("format", "x")):
        put("checkpoint_meta", json.dumps(dict(meta, **{key: value})))
    bad = dict(meta, config={"train": {"lr": "fast"}})
    put("checkpoint_meta", json.dumps(bad))
    put("checkpoint_meta", b"[1, 2]")
    put("checkpoint_meta", b'{"format": "merhan-checkpoint"')


def audio(corpus):
    wavs = sorted(glob.glob(os.path.join(corpus, "IEMOCAP_full_release", "Session1", "sentences", "wav", "*", "*.wav")))
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "short.wav")
        subprocess.run(["sox", wavs[0], src, "trim", "0", "0.05"], check=True)
        variants = [("a.wav", ["-b", "16"]), ("b.wav", ["-b", "8", "-r", "8000"]), ("c.wav", ["-e", "floating-point", "-b", "32"]),
                    ("d.wav", ["-c", "2"]), ("e.flac", []), ("f.aiff", ["-r", "22050"]), ("g.au", ["-e", "mu-law"])]
        for i, (name, args) in enumerate(variants):
            out = os.path.join(tmp, name)
            subprocess.run(["sox", src] + args + [out], check=True)
            data = read(out)
            put("audio", bytes([i % 8]) + data)
        whole = read(os.path.join(tmp, "a.wav"))
        put("audio", b"\x00" + whole[: len(whole) // 2])  # truncated data chunk
        put("audio", b"\x00" + whole[:44])  # header only
        huge = bytearray(whole)
        huge[40:44] = struct.pack("<I", 0x7FFFFFF0)  # the data chunk claims ~2 GiB
        put("audio", b"\x00" + bytes(huge))
        rate = bytearray(whole)
        rate[24:28] = struct.pack("<I", 1)  # 1 Hz
        put("audio", b"\x00" + bytes(rate))
    put("audio", b"\x00not audio at all")


def ffmpeg(corpus):
    """Containers for the FFmpeg path (fuzz/ffmpeg_fuzzer.cc), made with the ffmpeg tool."""
    wavs = sorted(glob.glob(os.path.join(corpus, "IEMOCAP_full_release", "Session1", "sentences", "wav", "*", "*.wav")))
    variants = [("seed.mp4", ["-c:a", "aac", "-b:a", "32k"]), ("seed.m4a", ["-ac", "1", "-c:a", "aac", "-b:a", "24k"]),
                ("seed.mp3", ["-c:a", "libmp3lame", "-b:a", "32k"]), ("seed.ogg", ["-c:a", "libvorbis", "-q:a", "0"]),
                ("seed.webm", ["-c:a", "libopus", "-b:a", "16k"])]
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in variants:
            out = os.path.join(tmp, name)
            subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-t", "0.3", "-i", wavs[0]] + args + [out], check=True)
            put("ffmpeg", read(out), name)
        put("ffmpeg", read(os.path.join(tmp, "seed.mp4"))[:300], "truncated.mp4")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", required=True, help="a scripts/make_corpus --size tiny output folder")
    a = p.parse_args()
    configs()
    overrides()
    iemocap(a.corpus)
    manifests()
    tokenizers()
    sentencepiece(a.corpus)
    npy()
    checkpoint_meta()
    audio(a.corpus)
    ffmpeg(a.corpus)


if __name__ == "__main__":
    main()
