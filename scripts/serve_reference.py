#!/usr/bin/env python3
"""The same exported model served by plain Python, the baseline of scripts/bench_serve.sh.

One process, http.server (ThreadingHTTPServer), no batching: soundfile reads the wav,
torchaudio computes the MFCCs (scripts/ref_mfcc.py's torchaudio_mfcc, on the model's
own mfcc settings) with per-utterance CMVN when the model used it, transformers runs
the text encoder of the model directory, and the reference PyTorch model of
scripts/ref_merhan.py (weights.safetensors + normalisation.safetensors loaded with
load_state_dict(strict=True)) gives the logits; the stored temperature is applied.

  POST /v1/predict  raw wav body, transcript in an X-Transcript header or ?transcript=
                    -> {"id", "label", "probabilities"} as merhan serve answers
  GET  /healthz     -> {"status": "ok"}

usage: serve_reference.py --model DIR [--port 0] [--threads N]
Binds 127.0.0.1 only; prints "listening on http://127.0.0.1:PORT" once ready.
"""
import argparse
import io
import json
import os
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import soundfile as sf
import torch
import torchaudio
from safetensors.torch import load_file
from transformers import AutoModel, AutoTokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ref_merhan  # noqa: E402
from ref_mfcc import torchaudio_mfcc  # noqa: E402


class Model:
    def __init__(self, directory):
        with open(os.path.join(directory, "config.json")) as f:
            self.config = json.load(f)
        with open(os.path.join(directory, "model.json")) as f:
            meta = json.load(f)
        if self.config["text"]["trainable_layers"] > 0:
            sys.exit("serve_reference.py: models that fine-tune the encoder are not covered by ref_merhan.py")
        self.classes = meta["classes"]
        calibration = meta.get("calibration") or {}
        self.temperature = float(calibration.get("temperature", 1.0)) if isinstance(calibration, dict) else 1.0
        state = load_file(os.path.join(directory, "weights.safetensors"))
        state.update(load_file(os.path.join(directory, "normalisation.safetensors")))
        self.model = ref_merhan.build(self.config["model"], meta["dims"])
        self.model.load_state_dict(state, strict=True)
        self.model.eval()
        encoder_dir = os.path.join(directory, "text_encoder")
        self.tokenizer = AutoTokenizer.from_pretrained(encoder_dir)
        self.encoder = AutoModel.from_pretrained(encoder_dir).eval()

    def audio_features(self, wav_bytes):
        x, rate = sf.read(io.BytesIO(wav_bytes), dtype="float32", always_2d=True)
        x = x.mean(axis=1)
        o = self.config["mfcc"]
        if rate != self.config["audio"]["sample_rate"]:
            x = torchaudio.functional.resample(torch.from_numpy(x), rate, self.config["audio"]["sample_rate"]).numpy()
        m = torch.from_numpy(torchaudio_mfcc(np.ascontiguousarray(x), o, torch.float32)).float()
        if self.config["audio"]["cmvn"] == "utterance":
            std = m.std(0, unbiased=False)
            m = (m - m.mean(0)) / torch.where(std > 1e-8, std, torch.ones_like(std))
        return m

    def text_features(self, text):
        tokens = self.tokenizer(text, truncation=True, max_length=self.config["text"]["max_length"],
                                return_tensors="pt")
        return self.encoder(**tokens).last_hidden_state[0]

    @torch.no_grad()
    def predict(self, wav_bytes, text):
        a = self.audio_features(wav_bytes)
        t = self.text_features(text)
        logits = self.model(a[None], torch.tensor([a.shape[0]]), torch.ones(1, a.shape[0], dtype=torch.bool),
                            t[None], torch.ones(1, t.shape[0], dtype=torch.bool))
        p = torch.softmax(logits[0].double() / self.temperature, -1)
        best = int(p.argmax())
        return {"label": self.classes[best], "probabilities": {c: float(p[i]) for i, c in enumerate(self.classes)}}


def make_handler(model):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: with Nagle on, the body waits for the
        # client's delayed ACK on a keep-alive connection (up to 40 ms). merhan serve
        # sets TCP_NODELAY too, so both servers are measured without that wait.
        disable_nagle_algorithm = True

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == "/healthz":
                return self.answer(200, {"status": "ok"})
            self.answer(404, {"error": "Not Found"})

        def do_POST(self):
            url = urllib.parse.urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if url.path != "/v1/predict":
                return self.answer(404, {"error": "Not Found"})
            query = urllib.parse.parse_qs(url.query)
            text = self.headers.get("X-Transcript") or query.get("transcript", [""])[0]
            if not text.strip():
                return self.answer(400, {"error": "the transcript is empty"})
            try:
                result = model.predict(body, text)
            except Exception as e:  # a bad upload must not take the server down
                return self.answer(400, {"error": str(e)})
            self.answer(200, {"id": query.get("id", ["utterance-0"])[0], **result})

        def log_message(self, *args):  # no per-request log: it would cost the baseline time
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="exported model directory (merhan export)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0, help="torch intra-op threads; 0 = torch's default")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    model = Model(args.model)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(model))
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
