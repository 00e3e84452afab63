#include "merhan/serve/model_server.h"

#include <httplib.h>
#include <stdlib.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <thread>

#include "merhan/audio/audio_loader.h"
#include "merhan/runtime/environment.h"
#include "merhan/runtime/model_directory.h"
#include "merhan/serve/prediction_request.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// When the request this thread is answering started (pre-routing handler), for
// the access log: httplib answers a request on one thread from start to end.
thread_local Clock::time_point t_request_start;

void SendJson(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

// A file under the spool directory, removed when the request is answered.
struct SpooledFile {
  explicit SpooledFile(std::string p) : path(std::move(p)) {}
  SpooledFile(const SpooledFile&) = delete;
  SpooledFile& operator=(const SpooledFile&) = delete;
  std::string path;
  ~SpooledFile() {
    std::error_code ec;
    fs::remove(path, ec);
  }
};

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); !from.empty() && at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The reason of the errors httplib answers before a handler runs.
std::string ReasonOf(int status) {
  switch (status) {
    case 400: return "malformed HTTP request";
    case 404: return "no such endpoint: use POST /v1/predict, POST /v1/predict/batch, GET /healthz or GET /v1/model";
    // httplib caps application/x-www-form-urlencoded bodies (curl --data's default type) at 8 KiB.
    case 413:
      return "the request body is too large: over --max-body-mb, or over 8 KiB as "
             "application/x-www-form-urlencoded (send audio as audio/wav, multipart or JSON)";
    case 414: return "the request line is too long";
    default: return Cat("HTTP error ", status);
  }
}

}  // namespace

ModelServer::ModelServer(LoadedModel& model, const ServeOptions& options)
    : model_(model), options_(options), http_(std::make_unique<httplib::Server>()) {
  options_.Validate();
  std::string tmpl = (fs::temp_directory_path() / "merhan-serve-XXXXXX").string();
  if (!::mkdtemp(tmpl.data()))
    throw DataError("cannot create a spool directory under " + fs::temp_directory_path().string());
  spool_dir_ = tmpl;
  const int workers = options_.ResolvedWorkers(model_.device.is_cuda(), ResolveTorchThreads(0));
  // The model is shared (its forward only reads it); each worker has its own
  // feature extractors, which keep per-call state.
  front_ends_.resize(static_cast<size_t>(workers));
  queue_ = std::make_unique<BatchingQueue>(
      [this](int worker, const std::vector<InferenceInput>& inputs) {
        std::vector<nlohmann::json> out = PredictInputs(model_, inputs, &front_ends_[static_cast<size_t>(worker)]);
        for (auto& j : out) j.erase("wav");  // the spool file, not the client's
        return out;
      },
      options_.max_batch, std::chrono::milliseconds(options_.max_wait_ms), options_.max_queue,
      [threads = options_.threads] { ApplyTorchThreads(threads); }, workers);
  log::Info(
      Cat("serving with ", workers, " worker(s) of ", ResolveTorchThreads(options_.threads), " intra-op thread(s)"));
  AddRoutes();
}

ModelServer::~ModelServer() {
  queue_->Stop();
  std::error_code ec;
  fs::remove_all(spool_dir_, ec);
}

int ModelServer::Bind() {
  const int threads = options_.http_threads;
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http_->set_payload_max_length(static_cast<size_t>(options_.max_body_mb) << 20);
  http_->set_keep_alive_timeout(2);  // idle keep-alive connections delay a drain by this much at most
  // A response goes out in two writes (headers, body): with Nagle on, the second
  // waits for the client's delayed ACK of the first, up to 40 ms on a keep-alive connection.
  http_->set_tcp_nodelay(true);
  const int port = options_.port == 0 ? http_->bind_to_any_port(options_.host)
                                      : (http_->bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port < 0) {
    throw DataError(Cat("cannot listen on ", options_.host, ":", options_.port,
                        " (address in use, not an address of this machine, or not allowed)"));
  }
  return port;
}

void ModelServer::Serve() {
  http_->listen_after_bind();  // returns after Stop(), once the handlers in flight have returned
  queue_->Stop();
  log::Info(Cat("served ", queue_->utterances(), " utterances in ", queue_->batches(), " batches"));
}

void ModelServer::Stop() { http_->stop(); }

void ModelServer::AddRoutes() {
  http_->set_pre_routing_handler([](const httplib::Request& request, httplib::Response&) {
    t_request_start = Clock::now();
    if (log::DebugEnabled())
      log::Debug(Cat("start ", request.method, " ", request.target, " from ", request.remote_addr));
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http_->set_logger([](const httplib::Request& request, const httplib::Response& response) {
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t_request_start).count();
    log::Info(Cat(request.remote_addr, " \"", request.method, " ", request.path, "\" ", response.status, " ",
                  response.body.size(), " bytes ", std::fixed, std::setprecision(1), ms, " ms"));
  });
  // Errors httplib answers itself (404, 413 for an oversized body, 400 for a
  // malformed request line) get a JSON reason too.
  http_->set_error_handler([](const httplib::Request&, httplib::Response& response) {
    if (response.body.empty()) {
      SendJson(response, response.status, {{"error", ReasonOf(response.status)}});
    }
  });
  http_->set_exception_handler([](const httplib::Request&, httplib::Response& response, std::exception_ptr error) {
    std::string what = "unknown";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log::Error("request failed: " + what);
    SendJson(response, 500, {{"error", "internal error: " + what}});
  });
  http_->Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    SendJson(response, 200, {{"status", "ok"}});
  });
  const nlohmann::json model = DescribeLoadedModel(model_);
  const nlohmann::json serving = nlohmann::json::parse(options_.ToString());
  http_->Get("/v1/model", [model, serving](const httplib::Request&, httplib::Response& response) {
    nlohmann::json body = model;
    body["serve"] = serving["serve"];
    SendJson(response, 200, body);
  });
  http_->Post("/v1/predict", [this](const httplib::Request& request, httplib::Response& response) {
    Predict(request, response, false);
  });
  http_->Post("/v1/predict/batch", [this](const httplib::Request& request, httplib::Response& response) {
    Predict(request, response, true);
  });
}

std::string ModelServer::Spool(const std::string& bytes) {
  // Private to this process and removed after use: no fsync, no rename.
  const std::string path = Cat(spool_dir_, "/", uploads_.fetch_add(1), ".audio");
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) throw InternalError("cannot write " + path);
  return path;
}

// Decodes the upload as training would read it (LoadAudio): what is not audio,
// truncated or empty is a 400, what is too long a 413.
void ModelServer::CheckAudio(const std::string& path, const std::string& who) const {
  AudioSignal signal;
  try {
    signal = LoadAudio(path, model_.config.audio);
  } catch (const DataError& e) {
    throw HttpError(400, who + "the audio is not usable: " + ReplaceAll(e.what(), path, "the upload"));
  }
  if (signal.duration_seconds() > options_.max_audio_seconds) {
    throw HttpError(413, Cat(who, "the audio lasts ", signal.duration_seconds(), " s; the limit is ",
                             options_.max_audio_seconds, " s"));
  }
}

void ModelServer::Predict(const httplib::Request& request, httplib::Response& response, bool batch) {
  try {
    const std::vector<UploadedUtterance> utterances =
        ParsePredictionRequest(request, batch, options_, TranscriptUseOf(model_.config));
    auto who = [&](size_t i) {
      return utterances.size() > 1 ? Cat("utterance ", i, " (", utterances[i].id, "): ") : "";
    };
    std::deque<SpooledFile> files;  // a deque never moves its elements, whose destructors delete the files
    for (size_t i = 0; i < utterances.size(); ++i) {
      files.emplace_back(Spool(utterances[i].audio));
      CheckAudio(files.back().path, who(i));
    }
    std::vector<std::future<QueuedResult>> futures;
    for (size_t i = 0; i < utterances.size(); ++i) {
      futures.push_back(queue_->Submit({utterances[i].id, files[i].path, utterances[i].transcript}));
    }
    std::vector<QueuedResult> results;
    for (auto& f : futures) results.push_back(f.get());  // all of them, before the files go
    nlohmann::json predictions = nlohmann::json::array();
    for (size_t i = 0; i < results.size(); ++i) {
      if (results[i].status != 200) {
        const std::string reason = results[i].body.value("error", std::string("failed"));
        return SendJson(response, results[i].status, {{"error", who(i) + reason}});
      }
      predictions.push_back(std::move(results[i].body));
    }
    SendJson(response, 200, batch ? nlohmann::json{{"predictions", predictions}} : predictions.at(0));
  } catch (const HttpError& e) {
    SendJson(response, e.status(), {{"error", e.what()}});
  }
}

sigset_t BlockTerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

void ServeUntilSignalled(ModelServer& server, const sigset_t& signals) {
  std::atomic<bool> served{false};
  // A thread that takes the signal synchronously, so that stopping happens
  // outside a signal handler; it polls `served` to end when Serve() ends first.
  std::thread waiter([&] {
    while (!served) {
      const timespec tick{0, 200 * 1000 * 1000};
      const int signal = sigtimedwait(&signals, nullptr, &tick);
      if (signal > 0) {
        log::Info(Cat("received ", signal == SIGTERM ? "SIGTERM" : "SIGINT", ": finishing the requests in flight"));
        server.Stop();
        return;
      }
    }
  });
  server.Serve();
  served = true;
  waiter.join();
}

}  // namespace merhan
