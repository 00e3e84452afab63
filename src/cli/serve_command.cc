// `merhan serve`: a model behind an HTTP JSON API (serve/model_server.h).
#include <CLI/CLI.hpp>
#include <iostream>

#include "merhan/cli/cli.h"
#include "merhan/cli/model_options.h"
#include "merhan/serve/model_server.h"
#include "merhan/util/logging.h"

namespace merhan::cli {

void AddServeCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve",
                                 "serve a model over HTTP: POST /v1/predict (wav + transcript -> the JSON of predict), "
                                 "POST /v1/predict/batch, GET /healthz, GET /v1/model; batches concurrent requests");
  struct Args {
    ModelSource source;
    std::string device;
    bool no_calibration = false;
    ServeOptions serve;
  };
  auto args = std::make_shared<Args>();
  ServeOptions& s = args->serve;
  AddModelSourceOptions(cmd, &args->source);
  cmd->add_option("--device", args->device, "auto | cpu | cuda | cuda:N (default: the model's train.device)");
  cmd->add_flag("--no-calibration", args->no_calibration, "ignore the model's calibration temperature");
  cmd->add_option("--host", s.host, "address to listen on");
  cmd->add_option("--port", s.port, "TCP port; 0 = any free port (printed on start)");
  cmd->add_flag("--allow-remote", s.allow_remote, "allow a --host other than loopback (exposes the server)");
  cmd->add_option("--max-batch", s.max_batch, "most utterances per model call");
  cmd->add_option("--max-wait-ms", s.max_wait_ms, "how long the first queued utterance waits for others to batch with");
  cmd->add_option("--max-queue", s.max_queue, "queued utterances before answering 503");
  cmd->add_option("--http-threads", s.http_threads, "connections served at once");
  cmd->add_option("--threads", s.threads, "intra-op threads of each model call (default 1); 0 = every core");
  cmd->add_option("--workers", s.workers, "batches run at once (default 0: cores / threads on a CPU, 1 on a GPU)");
  cmd->add_option("--max-body-mb", s.max_body_mb, "largest request body, MiB (413 above)");
  cmd->add_option("--max-audio-seconds", s.max_audio_seconds, "longest utterance, seconds (413 above)");
  cmd->add_option("--max-transcript-chars", s.max_transcript_chars, "longest transcript, characters (413 above)");
  cmd->add_option("--max-batch-items", s.max_batch_items, "most utterances in one /v1/predict/batch request");
  cmd->callback([args] {
    CheckModelSource(args->source);
    args->serve.Validate();
    // Before LibTorch starts threads: they inherit the mask, and the signal
    // reaches only the thread that waits for it.
    const sigset_t signals = BlockTerminationSignals();
    LoadedModel loaded = LoadModelFromSource(args->source, args->device,
                                             args->no_calibration ? Calibration::kIgnore : Calibration::kApply);
    ModelServer server(loaded, args->serve);
    const int port = server.Bind();
    log::Info("serve options: " + args->serve.ToString());
    const std::string& host = args->serve.host;
    std::cout << "merhan serve: listening on http://" << (host.find(':') != std::string::npos ? "[" + host + "]" : host)
              << ":" << port << std::endl;
    ServeUntilSignalled(server, signals);
  });
}

}  // namespace merhan::cli
