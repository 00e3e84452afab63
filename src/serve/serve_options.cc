#include "merhan/serve/serve_options.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {

void ServeOptions::Register(ConfigRegistry* r, const std::string& p) {
  r->Register(p + ".host", &host, "address to listen on (loopback unless allow_remote)");
  r->Register(p + ".port", &port, "TCP port; 0 = any free port");
  r->Register(p + ".allow_remote", &allow_remote, "allow a host other than loopback");
  r->Register(p + ".max_batch", &max_batch, "most utterances per model call");
  r->Register(p + ".max_wait_ms", &max_wait_ms, "how long the first queued utterance waits for others");
  r->Register(p + ".max_queue", &max_queue, "queued utterances before answering 503");
  r->Register(p + ".http_threads", &http_threads, "connections served at once");
  r->Register(p + ".threads", &threads, "intra-op threads of each model call; 0 = every core");
  r->Register(p + ".workers", &workers, "batches run at once; 0 = cores / threads on a CPU, 1 on a GPU");
  r->Register(p + ".max_body_mb", &max_body_mb, "largest request body, MiB");
  r->Register(p + ".max_audio_seconds", &max_audio_seconds, "longest utterance, seconds");
  r->Register(p + ".max_transcript_chars", &max_transcript_chars, "longest transcript, Unicode code points");
  r->Register(p + ".max_batch_items", &max_batch_items, "most utterances in one /v1/predict/batch request");
}

void ServeOptions::Validate() const {
  if (port < 0 || port > 65535) throw UsageError(Cat("--port: must be in [0, 65535], got ", port));
  if (!allow_remote && !IsLoopbackHost(host)) {
    throw UsageError("--host " + host +
                     " is not a loopback address; binding it exposes the server to the network: "
                     "add --allow-remote to mean it");
  }
  auto positive = [](const char* name, double v) {
    if (!(v > 0)) throw UsageError(Cat(name, ": must be > 0, got ", v));
  };
  positive("--max-batch", max_batch);
  positive("--max-queue", max_queue);
  positive("--http-threads", http_threads);
  positive("--max-body-mb", max_body_mb);
  positive("--max-audio-seconds", max_audio_seconds);
  positive("--max-transcript-chars", max_transcript_chars);
  positive("--max-batch-items", max_batch_items);
  if (max_wait_ms < 0) throw UsageError(Cat("--max-wait-ms: must be >= 0, got ", max_wait_ms));
  if (threads < 0) throw UsageError(Cat("--threads: must be >= 0, got ", threads));
  if (workers < 0) throw UsageError(Cat("--workers: must be >= 0, got ", workers));
}

int ServeOptions::ResolvedWorkers(bool on_gpu, int cores) const {
  if (workers > 0) return workers;
  if (on_gpu) return 1;  // one stream of kernels; batching, not workers, fills a GPU
  return std::max(1, cores / std::max(1, threads == 0 ? cores : threads));
}

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

}  // namespace merhan
