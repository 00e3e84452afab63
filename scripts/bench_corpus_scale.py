#!/usr/bin/env python3
"""Helper of scripts/bench_corpus_scale.sh (standard library only).

  bench_corpus_scale.py generate N DIR [--seed 1]
      A synthetic MSP-Podcast release of N segments in DIR/MSP-Podcast (the layout of
      scripts/corpus_layouts.py): Labels/labels_consensus.csv, Audios/*.wav,
      Transcripts/*.txt. Short clips (1.0-2.0 s, 16 kHz mono 16-bit; 1 % stereo 44.1 kHz,
      as some of the release's files), 400 speakers each in one split plus `Unknown` in
      every split, Train/Development/Test1/Test2/Test3, every EmoClass A S H U F D C N O X
      (O and X about 6 %), 0.1 % of the segments without a transcript. The audio is cut
      from a few synthetic voiced templates (harmonics with vibrato, noise): the
      benchmark measures reading, decoding and caching, not what the clips say.

  bench_corpus_scale.py time LABEL OUT_JSON -- COMMAND...
      Runs COMMAND under /usr/bin/time -v and writes {label, wall_s, cpu_s, max_rss_kib,
      read_s, ensure_s, extract_per_s, kept, rc} to OUT_JSON (appended as one line):
      wall_s is the whole process, cpu_s its user + system time; read_s the time from
      start until the reader's "utterances kept" log line
      (process start-up + labels + transcripts + the audio files' existence checks);
      ensure_s the feature stream's own seconds from `merhan features`' "mfcc: ..." line;
      extract_per_s (cold only) utterances extracted per second between the progress
      log's first and last lines (10 % and 90 %): the extraction alone, without the
      data file's fsync and the index's write; loadavg_1min the machine's load after it.

  bench_corpus_scale.py summarize RESULTS_JSONL
      A Markdown table of the timed runs: per size and phase, min / median over repeats.
"""
import json
import math
import os
import random
import re
import struct
import subprocess
import sys
import tempfile
import time

SPLITS = [("Train", 0.60), ("Development", 0.15), ("Test1", 0.15), ("Test2", 0.07), ("Test3", 0.03)]
CODES = [("N", 0.30), ("H", 0.16), ("A", 0.10), ("S", 0.08), ("U", 0.06), ("F", 0.03), ("D", 0.05), ("C", 0.16),
         ("O", 0.02), ("X", 0.04)]
WORDS = {"N": "fine", "H": "happy", "A": "angry", "S": "sad", "U": "surprised", "F": "afraid", "D": "disgusted",
         "C": "annoyed", "O": "puzzled", "X": "unsure"}
SPEAKERS = 400
TEMPLATES = 48


def wav_bytes(samples_le16, rate, channels):
    data_size = len(samples_le16)
    header = b"RIFF" + struct.pack("<I", 36 + data_size) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * channels * 2, channels * 2, 16)
    header += b"data" + struct.pack("<I", data_size)
    return header + samples_le16


def template(rng, rate, seconds, channels):
    """A voiced sound: a few harmonics of a vibrato f0, an amplitude envelope, noise."""
    f0 = rng.uniform(90, 260)
    n = int(rate * seconds)
    out = bytearray()
    phase = 0.0
    for i in range(n):
        t = i / rate
        f = f0 * (1 + 0.03 * math.sin(2 * math.pi * 5 * t))
        phase += 2 * math.pi * f / rate
        env = 0.5 + 0.5 * math.sin(2 * math.pi * 2.5 * t) ** 2
        v = env * (0.5 * math.sin(phase) + 0.25 * math.sin(2 * phase) + 0.12 * math.sin(3 * phase))
        v += rng.gauss(0, 0.02)
        s = max(-32767, min(32767, int(v * 12000)))
        packed = struct.pack("<h", s)
        out += packed * channels
    return bytes(out)


def pick(rng, table):
    x, acc = rng.random(), 0.0
    for value, p in table:
        acc += p
        if x < acc:
            return value
    return table[-1][0]


def generate(n, out, seed):
    rng = random.Random(seed)
    root = os.path.join(out, "MSP-Podcast")
    for sub in ("Labels", "Audios", "Transcripts"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    mono = [template(rng, 16000, 2.0, 1) for _ in range(TEMPLATES)]
    stereo = [template(rng, 44100, 2.0, 2) for _ in range(4)]
    # Speakers: each belongs to one split (the official protocol is speaker-disjoint).
    speakers = {name: [] for name, _ in SPLITS}
    for k in range(SPEAKERS):
        split = pick(rng, SPLITS)
        speakers[split].append((str(100 + k), rng.choice(["Female", "Male"])))
    for name, _ in SPLITS:
        if not speakers[name]:
            speakers[name].append((str(100 + SPEAKERS + len(speakers)), "Female"))
    rows = []
    podcast, segment_in_podcast, podcast_speaker = 0, 0, None
    for i in range(n):
        if segment_in_podcast == 0:  # a new podcast: 1..80 segments of one speaker (or Unknown)
            podcast += 1
            segment_in_podcast = rng.randint(1, 80)
            split = pick(rng, SPLITS)
            podcast_speaker = ("Unknown", "Unknown") if rng.random() < 0.05 else rng.choice(speakers[split])
            podcast_split = split
        segment_in_podcast -= 1
        stem = f"MSP-PODCAST_{podcast:04d}_{i + 1:04d}"
        code = pick(rng, CODES)
        if rng.random() < 0.01:
            rate, channels, tpl = 44100, 2, stereo[rng.randrange(len(stereo))]
        else:
            rate, channels, tpl = 16000, 1, mono[rng.randrange(len(mono))]
        frames = int(rate * rng.uniform(1.0, 2.0))
        with open(os.path.join(root, "Audios", stem + ".wav"), "wb") as f:
            f.write(wav_bytes(tpl[: frames * channels * 2], rate, channels))
        if rng.random() >= 0.001:
            with open(os.path.join(root, "Transcripts", stem + ".txt"), "w") as f:
                f.write(f"Well, I am {WORDS[code]} about segment {i + 1}.\n")
        act, val, dom = (round(rng.uniform(1, 7), 1) for _ in range(3))
        rows.append(f"{stem}.wav,{code},{act},{val},{dom},{podcast_speaker[0]},{podcast_speaker[1]},{podcast_split}\n")
    with open(os.path.join(root, "Labels", "labels_consensus.csv"), "w", newline="\n") as f:
        f.write("FileName,EmoClass,EmoAct,EmoVal,EmoDom,SpkrID,Gender,Split_Set\n")
        f.writelines(rows)
    print(f"{root}: {n} segments, {podcast} podcasts", file=sys.stderr)


def time_command(label, out_json, command):
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        start = time.monotonic()
        proc = subprocess.Popen(["/usr/bin/time", "-v", "-o", tf.name] + command, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        read_s = None
        err_lines, stamps = [], []
        for line in proc.stderr:  # spdlog writes each line as it logs
            err_lines.append(line)
            stamps.append((time.monotonic(), line))
            if read_s is None and "utterances kept" in line:
                read_s = time.monotonic() - start
        stdout = proc.stdout.read()
        rc = proc.wait()
        wall = time.monotonic() - start
        report = tf.read()
    if rc != 0:
        sys.stderr.write("".join(err_lines[-20:]))
        raise SystemExit(f"{label}: exit {rc}: {' '.join(command)}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", report).group(1))
    cpu = sum(float(re.search(rf"{k} time \(seconds\): ([0-9.]+)", report).group(1)) for k in ("User", "System"))
    ensure = re.search(r"^mfcc: .* ([0-9.]+) s  \[", stdout, re.M)
    kept = re.search(r"(\d+) utterances kept", "".join(err_lines))
    # Extraction rate between the progress log's first and last tenth (cold runs).
    marks = [(t, int(m.group(1))) for t, line in stamps
             for m in [re.search(r"features mfcc: (\d+)/(\d+) \d", line)] if m]
    rate = (marks[-1][1] - marks[0][1]) / (marks[-1][0] - marks[0][0]) if len(marks) >= 2 else None
    result = {"label": label, "wall_s": round(wall, 3), "cpu_s": round(cpu, 2), "max_rss_kib": rss,
              "read_s": None if read_s is None else round(read_s, 3),
              "ensure_s": float(ensure.group(1)) if ensure else None,
              "extract_per_s": None if rate is None else round(rate),
              "kept": int(kept.group(1)) if kept else None, "rc": rc,
              "loadavg_1min": float(open("/proc/loadavg").read().split()[0])}
    with open(out_json, "a") as f:
        f.write(json.dumps(result) + "\n")
    print(json.dumps(result), file=sys.stderr)


def summarize(path):
    import statistics
    runs = [json.loads(line) for line in open(path) if line.strip()]
    groups = {}
    for r in runs:
        groups.setdefault(r["label"], []).append(r)

    def mm(values, fmt="{:.2f}"):
        values = [v for v in values if v is not None]
        if not values:
            return "-"
        if len(values) == 1:
            return fmt.format(values[0])
        return fmt.format(min(values)) + " / " + fmt.format(statistics.median(values))

    print("| N (kept) | phase | runs | wall s (min / median) | CPU s | reader s | stream s | extracted/s "
          "| peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, rs in groups.items():
        size, phase = label.split(":", 1)
        kept = next((f"{r['kept']:,}" for r in rs if r.get("kept")), "-")
        print(f"| {int(size):,} ({kept}) | {phase} | {len(rs)} | {mm([r['wall_s'] for r in rs])} | {mm([r.get('cpu_s') for r in rs])} | "
              f"{mm([r['read_s'] for r in rs])} | {mm([r['ensure_s'] for r in rs])} | "
              f"{mm([r.get('extract_per_s') for r in rs], '{:.0f}')} | "
              f"{mm([r['max_rss_kib'] / 1024 for r in rs], '{:.0f}')} |")


def main(argv):
    if len(argv) >= 3 and argv[0] == "generate":
        seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 1
        generate(int(argv[1]), argv[2], seed)
    elif len(argv) >= 4 and argv[0] == "time" and "--" in argv:
        time_command(argv[1], argv[2], argv[argv.index("--") + 1:])
    elif len(argv) == 2 and argv[0] == "summarize":
        summarize(argv[1])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
