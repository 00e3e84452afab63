#!/usr/bin/env python3
"""Sanity check of a make_corpus corpus: is emotion recoverable from audio alone, from
text alone, and better from both? Trains logistic regressions (scikit-learn) on simple
features, leave-one-session-out over the 4-class set, and prints UAR per modality.
Audio: mean/std of 40 MFCCs (librosa) + RMS and duration. Text: TF-IDF of words.
Fused: both feature sets concatenated. Reference only; not a test.

  ~/.cache/merhan/venv/bin/python scripts/check_corpus_modalities.py CORPUS_DIR
"""
import json
import sys

import librosa
import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.preprocessing import StandardScaler

root = sys.argv[1]
merge = {"neu": 0, "hap": 1, "exc": 1, "ang": 2, "sad": 3}
rows = [json.loads(l) for l in open(f"{root}/ground_truth.jsonl")]
rows = [r for r in rows if r["label"] in merge]
audio = []
for r in rows:
    y, sr = librosa.load(f"{root}/{r['wav']}", sr=16000)
    m = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=40, n_fft=512, win_length=400, hop_length=160, n_mels=40)
    rms = librosa.feature.rms(y=y)[0]
    audio.append(np.concatenate([m.mean(1), m.std(1), [rms.mean(), rms.std(), len(y) / sr]]))
audio = np.array(audio)
texts = [r["text"] for r in rows]
labels = np.array([merge[r["label"]] for r in rows])
sessions = np.array([r["session"] for r in rows])
results = {"audio": [], "text": [], "fused": []}
for s in sorted(set(sessions)):
    tr, te = sessions != s, sessions == s
    sc = StandardScaler().fit(audio[tr])
    a_tr, a_te = csr_matrix(sc.transform(audio[tr])), csr_matrix(sc.transform(audio[te]))
    vec = TfidfVectorizer().fit([t for t, k in zip(texts, tr) if k])
    t_tr, t_te = vec.transform([t for t, k in zip(texts, tr) if k]), vec.transform([t for t, k in zip(texts, te) if k])
    for name, (xtr, xte) in {"audio": (a_tr, a_te), "text": (t_tr, t_te),
                             "fused": (hstack([a_tr, t_tr * 3]), hstack([a_te, t_te * 3]))}.items():
        clf = LogisticRegression(max_iter=3000, C=1.0).fit(xtr, labels[tr])
        results[name].append(balanced_accuracy_score(labels[te], clf.predict(xte)))
for name, v in results.items():
    print(f"{name:6s} UAR mean {np.mean(v):.3f}  per session {' '.join(f'{x:.2f}' for x in v)}  (chance 0.25)")
