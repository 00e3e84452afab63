// Options of `merhan serve`: where it listens, how it batches and what it accepts.
#pragma once

#include <string>

#include "merhan/util/config_registry.h"

namespace merhan {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                     // 0 = any free port (printed on start)
  bool allow_remote = false;           // a host other than loopback needs it
  int max_batch = 8;                   // utterances per model call
  int max_wait_ms = 5;                 // how long the first queued utterance waits for others
  int max_queue = 256;                 // queued utterances before 503
  int http_threads = 32;               // connections served at once
  int threads = 0;                     // intra-op threads of the model; 0 = every core
  int max_body_mb = 32;                // request body
  double max_audio_seconds = 60;       // per utterance
  int max_transcript_chars = 2000;     // per utterance, in Unicode code points
  int max_batch_items = 64;            // per /v1/predict/batch request

  void Register(ConfigRegistry* r, const std::string& prefix = "serve");
  // UsageError naming the option; a non-loopback host without allow_remote is one.
  void Validate() const;
  std::string ToString() const { return OptionsToString(*this); }
};

// 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(const std::string& host);

}  // namespace merhan
