// Options of `merhan serve`: where it listens, how it batches and what it accepts.
#pragma once

#include <string>

#include "merhan/util/config_registry.h"

namespace merhan {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;            // 0 = any free port (printed on start)
  bool allow_remote = false;  // a host other than loopback needs it
  int max_batch = 8;          // utterances per model call
  int max_wait_ms = 5;        // how long the first queued utterance waits for others
  int max_queue = 256;        // queued utterances before 503
  int http_threads = 32;      // connections served at once
  // Intra-op threads of each model call. One by default: a request's tensors are
  // small, and on a 2-core CPU two threads made one request slower (39 ms against
  // 21 ms for a 3-second utterance, docs/benchmarks.md); cores go to workers instead.
  int threads = 1;                  // 0 = every core
  int workers = 0;                  // batches run at once; 0 = cores / threads on a CPU, 1 on a GPU
  int max_body_mb = 32;             // request body
  double max_audio_seconds = 60;    // per utterance
  int max_transcript_chars = 2000;  // per utterance, in Unicode code points
  int max_batch_items = 64;         // per /v1/predict/batch request

  void Register(ConfigRegistry* r, const std::string& prefix = "serve");
  // UsageError naming the option; a non-loopback host without allow_remote is one.
  void Validate() const;
  // `workers`, with 0 resolved for a model on a GPU (`on_gpu`) or on `cores` CPU cores.
  int ResolvedWorkers(bool on_gpu, int cores) const;
  std::string ToString() const { return OptionsToString(*this); }
};

// 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(const std::string& host);

}  // namespace merhan
