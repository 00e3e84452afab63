// `merhan serve`: an HTTP/1.1 JSON server (cpp-httplib) around one loaded model.
//
//   POST /v1/predict        one wav + transcript -> the JSON of `merhan predict`
//   POST /v1/predict/batch  several -> {"predictions": [...]}
//   GET  /healthz           {"status": "ok"}
//   GET  /v1/model          classes, config, metrics (DescribeLoadedModel)
//
// Request threads (http_threads) parse and check the upload, decode its audio
// once to refuse what is not audio or too long, and queue it; worker threads
// (BatchingQueue) run queued utterances in batches through PredictInputs, the
// function `merhan predict` uses. docs/design.md §5b.
#pragma once

#include <signal.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "merhan/runtime/inference.h"
#include "merhan/serve/batching_queue.h"
#include "merhan/serve/serve_options.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace merhan {

class ModelServer {
 public:
  // `model` must outlive the server; only the worker threads use it.
  ModelServer(LoadedModel& model, const ServeOptions& options);
  ~ModelServer();

  // Binds options.host:options.port (0 = any free port) and returns the port.
  // DataError when the address cannot be bound.
  int Bind();
  // Answers requests until Stop(), lets the requests in flight finish, then
  // runs what is queued and stops the worker.
  void Serve();
  // Safe from any thread; Serve() returns once the requests in flight are answered.
  void Stop();

 private:
  void AddRoutes();
  void Predict(const httplib::Request& request, httplib::Response& response, bool batch);
  std::string Spool(const std::string& bytes);
  void CheckAudio(const std::string& path, const std::string& who) const;

  LoadedModel& model_;
  ServeOptions options_;
  std::unique_ptr<httplib::Server> http_;
  std::vector<std::shared_ptr<InferenceFrontEnd>> front_ends_;  // one per worker, made on its first batch
  std::unique_ptr<BatchingQueue> queue_;
  std::string spool_dir_;  // uploads, one file each while they are in flight
  std::atomic<int64_t> uploads_{0};
};

// Blocks SIGINT and SIGTERM in the calling thread and in every thread it starts
// later; call it before LibTorch or the server start theirs.
sigset_t BlockTerminationSignals();
// Serve() until SIGINT or SIGTERM (blocked with BlockTerminationSignals), then
// drain and return.
void ServeUntilSignalled(ModelServer& server, const sigset_t& signals);

}  // namespace merhan
