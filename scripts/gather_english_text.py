#!/usr/bin/env python3
"""Gathers real English text found on this machine into a JSONL file of strings,
deterministically: Debian copyright files and compressed docs/changelogs under
/usr/share/doc, man pages, and the license texts in the venv's site-packages,
in sorted path order; lines stripped, deduplicated, kept when they hold a letter
and decoded as UTF-8 without errors.

Used by the WordPiece parity test (tests/text/wordpiece_parity_test.cc), which
generates the file at test time (nothing big is committed).

usage: gather_english_text.py OUT.jsonl [--lines 120000]
"""
import argparse
import glob
import gzip
import json
import os
import sys
import sysconfig


def sources():
    yield from sorted(glob.glob("/usr/share/doc/*/copyright"))
    yield from sorted(glob.glob("/usr/share/doc/**/*.gz", recursive=True))
    yield from sorted(glob.glob("/usr/share/man/man1/*.gz"))
    site = sysconfig.get_paths()["purelib"]
    yield from sorted(glob.glob(os.path.join(site, "**", "LICENSE*"), recursive=True))
    yield from sorted(glob.glob("/usr/lib/python3*/**/*.py", recursive=True))


def read_lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read(4_000_000)
    except (OSError, EOFError):
        return []
    return data.decode("utf-8", errors="replace").split("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--lines", type=int, default=120000)
    args = ap.parse_args()
    seen = set()
    kept = []
    for path in sources():
        if not os.path.isfile(path):
            continue
        for line in read_lines(path):
            line = line.strip()
            # U+FFFD marks bytes that were not UTF-8: binary data, not text.
            if not line or "\ufffd" in line or not any(c.isalpha() for c in line) or line in seen:
                continue
            seen.add(line)
            kept.append(line)
            if len(kept) >= args.lines:
                break
        if len(kept) >= args.lines:
            break
    if len(kept) < args.lines:
        print(f"only {len(kept)} lines found (wanted {args.lines})", file=sys.stderr)
    with open(args.out, "w", encoding="utf-8") as f:
        for line in kept:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(f"{len(kept)} lines -> {args.out}")


if __name__ == "__main__":
    main()
