#!/usr/bin/env python3
"""Load generator for scripts/bench_serve.sh: POSTs one wav + transcript to
/v1/predict from N concurrent clients (one keep-alive connection each) and prints
JSON with the latency percentiles and the throughput. Bounded in requests and in
time; talks to 127.0.0.1 only.

  serve_load.py --port P --wav a.wav --text "..." --clients 4 --requests 400 [--max-seconds 120]
                [--warmup 20] [--rss-pid PID --rss-every 500]

--rss-pid samples the resident memory (VmRSS of /proc/PID/status) before the first
request and after every --rss-every requests.
"""
import argparse
import http.client
import json
import statistics
import threading
import time


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


class Run:
    def __init__(self, args, body):
        self.args, self.body = args, body
        self.lock = threading.Lock()
        self.issued = 0
        self.latencies, self.errors, self.rss = [], [], []
        self.deadline = time.monotonic() + args.max_seconds

    def take(self):
        """The next request's index, or None when the run is over (count or time)."""
        with self.lock:
            if self.issued >= self.args.requests or time.monotonic() > self.deadline:
                return None
            self.issued += 1
            return self.issued

    def client(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=60)
        headers = {"Content-Type": "audio/wav", "X-Transcript": self.args.text}
        while (i := self.take()) is not None:
            start = time.perf_counter()
            try:
                conn.request("POST", "/v1/predict", body=self.body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException) as e:
                ok, payload = False, str(e).encode()
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=60)
            elapsed = time.perf_counter() - start
            with self.lock:
                (self.latencies if ok else self.errors).append(elapsed if ok else payload[:200].decode(errors="replace"))
                if self.args.rss_pid and i % self.args.rss_every == 0:
                    self.rss.append([i, rss_kib(self.args.rss_pid)])
        conn.close()


def warm_up(args, body):
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
    for _ in range(args.warmup):
        conn.request("POST", "/v1/predict", body=body, headers={"Content-Type": "audio/wav", "X-Transcript": args.text})
        response = conn.getresponse()
        payload = response.read()
        if response.status != 200:
            raise SystemExit(f"warm-up request failed: {response.status} {payload[:300]!r}")
    conn.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--wav", required=True)
    p.add_argument("--text", required=True)
    p.add_argument("--clients", type=int, default=1)
    p.add_argument("--requests", type=int, default=100)
    p.add_argument("--max-seconds", type=float, default=120)
    p.add_argument("--warmup", type=int, default=0)
    p.add_argument("--rss-pid", type=int, default=0)
    p.add_argument("--rss-every", type=int, default=500)
    args = p.parse_args()
    with open(args.wav, "rb") as f:
        body = f.read()
    warm_up(args, body)
    run = Run(args, body)
    if args.rss_pid:
        run.rss.append([0, rss_kib(args.rss_pid)])
    threads = [threading.Thread(target=run.client) for _ in range(args.clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    lat = sorted(run.latencies)
    out = {"clients": args.clients, "requests": len(lat), "errors": len(run.errors), "seconds": wall,
           "throughput_rps": len(lat) / wall if wall > 0 else None,
           "p50_ms": 1000 * percentile(lat, 0.50) if lat else None,
           "p90_ms": 1000 * percentile(lat, 0.90) if lat else None,
           "p99_ms": 1000 * percentile(lat, 0.99) if lat else None,
           "mean_ms": 1000 * statistics.fmean(lat) if lat else None,
           "first_errors": run.errors[:3]}
    if args.rss_pid:
        out["rss_kib"] = run.rss
    print(json.dumps(out))


if __name__ == "__main__":
    main()
