// `merhan export` and `merhan serve` end to end on a model trained on the tiny
// synthetic corpus: the exported directory, moved elsewhere and with the
// training-time encoder renamed away, predicts bit-identically to the
// checkpoint; a moved encoder is accepted by content and refused when a file
// differs; a changed model file is refused by name; an export onto a full disk
// leaves the model directory it would replace as it was. The server, on a free
// loopback port and driven with curl, answers what `merhan predict` prints,
// answers every bad request with its 4xx and keeps serving, batches concurrent
// requests, and drains and exits 0 on SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "merhan/text/tokenizer.h"
#include "merhan/util/sha256.h"

namespace merhan {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;

using testing::Quote;
using testing::Slurp;
std::string Merhan(const std::string& args) { return testing::Merhan("--log-level warn " + args); }

nlohmann::json JsonOf(const std::string& output) {
  const size_t at = output.find('{');
  if (at == std::string::npos) return nullptr;
  try {
    return nlohmann::json::parse(output.substr(at));
  } catch (const nlohmann::json::exception&) {
    return nullptr;
  }
}

const std::string kText = "I am so happy about this!";
const std::string kText2 = "Leave me alone.";

class ServeCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    const auto made = testing::MakeTinyCorpus(*dir_, 5);
    ASSERT_EQ(made.exit_code, 0) << made.output;
    // The encoder in a directory of its own, so that the tests can move it.
    const auto copied = RunCommand("cp -r " + Quote(ResolveModelDir("minilm")) + " " + Quote(Encoder()));
    ASSERT_EQ(copied.exit_code, 0) << copied.output;
    std::ofstream(dir_->File("serve.json"))
        << testing::TinyTrainConfig(*dir_,
                                    {{"text", {{"model_dir", Encoder()}}},
                                     {"run", {{"name", "serve"}, {"folds", {0}}, {"out_dir", dir_->File("runs")}}},
                                     {"train", {{"epochs", 1}}}})
               .dump(2);
    const auto trained = RunCommand(Merhan("train --config " + Quote(dir_->File("serve.json"))));
    ASSERT_EQ(trained.exit_code, 0) << trained.output;
    for (const auto& e : fs::recursive_directory_iterator(dir_->File("runs"))) {
      if (e.path().filename() == "best.ckpt") checkpoint_ = e.path().string();
    }
    std::vector<std::string> wavs;
    for (const auto& e : fs::recursive_directory_iterator(dir_->File("corpus"))) {
      if (e.path().extension() == ".wav") wavs.push_back(e.path().string());
    }
    std::sort(wavs.begin(), wavs.end());
    ASSERT_GE(wavs.size(), 2u);
    wav_ = wavs[0];
    wav2_ = wavs[1];
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::string Encoder() { return dir_->File("encoder"); }
  static nlohmann::json Predict(const std::string& source, const std::string& wav, const std::string& text) {
    const auto r = RunCommand(Merhan("predict " + source + " --wav " + Quote(wav) + " --text " + Quote(text)));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return JsonOf(r.output);
  }

  static testing::TempDir* dir_;
  static std::string checkpoint_, wav_, wav2_;
};
testing::TempDir* ServeCli::dir_ = nullptr;
std::string ServeCli::checkpoint_, ServeCli::wav_, ServeCli::wav2_;

// Puts a renamed directory back when the test ends, pass or fail.
struct RenameBack {
  std::string from, to;
  ~RenameBack() {
    std::error_code ec;
    fs::rename(from, to, ec);
  }
};

TEST_F(ServeCli, ExportedModelIsPortableAndPredictsBitIdentically) {
  ASSERT_FALSE(checkpoint_.empty());
  const std::string ckpt = "--checkpoint " + Quote(checkpoint_);
  const nlohmann::json reference = Predict(ckpt, wav_, kText);
  ASSERT_TRUE(reference.contains("probabilities")) << reference;

  const std::string exported = dir_->File("exported");
  auto r = RunCommand(Merhan("export " + ckpt + " --out " + Quote(exported)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* f : {"model.json", "config.json", "labels.json", "weights.safetensors", "normalisation.safetensors",
                        "text_encoder/config.json", "text_encoder/model.safetensors", "text_encoder/vocab.txt"}) {
    EXPECT_TRUE(fs::is_regular_file(exported + "/" + f)) << f;
  }
  EXPECT_FALSE(fs::exists(exported + "/text_encoder/README.md")) << "only what inference needs";
  const auto model = nlohmann::json::parse(Slurp(exported + "/model.json"));
  EXPECT_EQ(model["format"], "merhan-model");
  EXPECT_EQ(model["files"]["weights.safetensors"]["sha256"], Sha256File(exported + "/weights.safetensors"));
  EXPECT_EQ(model["classes"], nlohmann::json::parse(Slurp(exported + "/labels.json")));
  EXPECT_TRUE(model["metrics"].is_object()) << model["metrics"];
  EXPECT_FALSE(model["training_revision"].get<std::string>().empty());
  r = RunCommand(Merhan("export " + ckpt + " --out " + Quote(exported)));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("already exists"), std::string::npos) << r.output;

  // Elsewhere, with the encoder the model was trained with renamed away.
  fs::create_directories(dir_->File("elsewhere"));
  const std::string moved = dir_->File("elsewhere/model");
  fs::rename(exported, moved);
  const std::string away = dir_->File("encoder-away");
  fs::rename(Encoder(), away);
  RenameBack restore{away, Encoder()};
  r = RunCommand(Merhan("predict " + ckpt + " --wav " + Quote(wav_) + " --text hi"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(Encoder()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--text-model-dir"), std::string::npos) << r.output;

  EXPECT_EQ(Predict("--model " + Quote(moved), wav_, kText).dump(), reference.dump());
  EXPECT_EQ(Predict(ckpt + " --text-model-dir " + Quote(away), wav_, kText).dump(), reference.dump());
  const auto eval_model = RunCommand(Merhan("eval --model " + Quote(moved)));
  const auto eval_ckpt = RunCommand(Merhan("eval " + ckpt + " --text-model-dir " + Quote(away)));
  ASSERT_EQ(eval_model.exit_code, 0) << eval_model.output;
  ASSERT_EQ(eval_ckpt.exit_code, 0) << eval_ckpt.output;
  for (const char* key : {"war", "uar", "loss", "confusion"}) {
    EXPECT_EQ(JsonOf(eval_model.output)[key], JsonOf(eval_ckpt.output)[key]) << key;
  }

  // A moved encoder whose vocabulary differs is refused, naming the file.
  const std::string edited = dir_->File("encoder-edited");
  ASSERT_EQ(
      RunCommand("cp -r " + Quote(away) + " " + Quote(edited) + " && echo extra >> " + Quote(edited + "/vocab.txt"))
          .exit_code,
      0);
  r = RunCommand(
      Merhan("predict " + ckpt + " --text-model-dir " + Quote(edited) + " --wav " + Quote(wav_) + " --text hi"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("vocab.txt"), std::string::npos) << r.output;

  // A model directory with a changed or an added file is refused, naming it.
  const std::string tampered = dir_->File("tampered");
  ASSERT_EQ(RunCommand("cp -r " + Quote(moved) + " " + Quote(tampered) + " && printf 'X' | dd of=" +
                       Quote(tampered + "/weights.safetensors") + " bs=1 seek=200 conv=notrunc status=none")
                .exit_code,
            0);
  r = RunCommand(Merhan("predict --model " + Quote(tampered) + " --wav " + Quote(wav_) + " --text hi"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("weights.safetensors"), std::string::npos) << r.output;
  const std::string added = dir_->File("added");
  ASSERT_EQ(RunCommand("cp -r " + Quote(moved) + " " + Quote(added) + " && touch " +
                       Quote(added + "/text_encoder/spiece.model"))
                .exit_code,
            0);
  r = RunCommand(Merhan("predict --model " + Quote(added) + " --wav " + Quote(wav_) + " --text hi"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("spiece.model"), std::string::npos) << r.output;

  // Usage: one source only; --text-model-dir only with a checkpoint.
  EXPECT_EQ(RunCommand(Merhan("predict --model " + Quote(moved) + " " + ckpt + " --wav a.wav --text hi")).exit_code, 2);
  EXPECT_EQ(
      RunCommand(Merhan("predict --model " + Quote(moved) + " --text-model-dir x --wav a.wav --text hi")).exit_code, 2);
  EXPECT_EQ(RunCommand(Merhan("predict --wav a.wav --text hi")).exit_code, 2);
}

// Every file model.json lists has its recorded SHA-256 (the directory is whole).
void ExpectWholeModelDirectory(const std::string& dir) {
  const nlohmann::json model = testing::ReadJson(dir + "/model.json");
  ASSERT_TRUE(model.contains("files")) << model;
  for (const auto& [file, record] : model["files"].items()) {
    EXPECT_EQ(Sha256File(dir + "/" + file), record["sha256"]) << file;
  }
}

// On a full disk (`prlimit --fsize`), `merhan export --replace` onto an existing
// model directory exits with 3 naming it and leaves it whole, with no temp
// directory beside it; with space it replaces it. --replace never replaces a
// directory that is not a model directory.
TEST_F(ServeCli, ExportOnAFullDiskLeavesTheExistingModelDirectory) {
  if (RunCommand("prlimit --version").exit_code != 0) GTEST_SKIP() << "prlimit (util-linux) missing";
  ASSERT_FALSE(checkpoint_.empty());
  fs::create_directories(dir_->File("replace"));
  const std::string out = dir_->File("replace/model");
  const std::string last = fs::path(checkpoint_).parent_path().string() + "/last.ckpt";
  auto r = RunCommand(Merhan("export --checkpoint " + Quote(last) + " --out " + Quote(out)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string before = Slurp(out + "/model.json");

  const std::string replace = "export --replace --checkpoint " + Quote(checkpoint_) + " --out " + Quote(out);
  r = RunCommand("prlimit --fsize=65536 " + Merhan(replace));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("cannot write " + out + ": "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("File too large"), std::string::npos) << r.output;
  EXPECT_EQ(Slurp(out + "/model.json"), before);
  ExpectWholeModelDirectory(out);
  EXPECT_EQ(testing::FileNames(dir_->File("replace")), std::vector<std::string>{"model"});

  r = RunCommand(Merhan(replace));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(testing::ReadJson(out + "/model.json")["exported_from"], fs::absolute(checkpoint_).string());
  ExpectWholeModelDirectory(out);
  EXPECT_EQ(testing::FileNames(dir_->File("replace")), std::vector<std::string>{"model"});

  const std::string other = dir_->File("replace/not-a-model");
  fs::create_directories(other);
  std::ofstream(other + "/keep.txt") << "mine";
  r = RunCommand(Merhan("export --replace --checkpoint " + Quote(checkpoint_) + " --out " + Quote(other)));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(other + " is not a merhan model directory"), std::string::npos) << r.output;
  EXPECT_EQ(Slurp(other + "/keep.txt"), "mine");
}

// A running `merhan serve`, its log, and curl against it.
class Server {
 public:
  Server(const std::string& args, const std::string& log)
      : process_(Quote(testing::MerhanBinary()) + " --log-level debug serve " + args, log) {
    const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)");
    for (int i = 0; i < 1200 && port_ == 0 && process_.Running(); ++i) {  // 60 s at most
      std::smatch m;
      const std::string text = process_.Log();
      if (std::regex_search(text, m, listening)) port_ = std::stoi(m[1]);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  int port() const { return port_; }
  void Signal(int signal) { process_.Signal(signal); }
  int Wait() { return process_.Wait(); }
  std::string Log() const { return process_.Log(); }
  std::string Url(const std::string& path) const { return Quote("http://127.0.0.1:" + std::to_string(port_) + path); }

 private:
  testing::Process process_;
  int port_ = 0;
};

struct Answer {
  int status = 0;
  nlohmann::json body;
  std::string raw;
};

// curl with `args` (the URL among them); the body goes through a file.
Answer Curl(const std::string& args, const std::string& body_file) {
  const auto r = RunCommand("curl -s -S -o " + Quote(body_file) + " -w '%{http_code}' " + args);
  Answer a;
  a.status = std::atoi(r.output.c_str());
  a.raw = Slurp(body_file);
  a.body = JsonOf(a.raw);
  return a;
}

void ExpectSamePrediction(const nlohmann::json& got, const nlohmann::json& want, double tolerance) {
  ASSERT_TRUE(got.contains("probabilities")) << got;
  EXPECT_EQ(got["label"], want["label"]);
  for (const auto& [name, p] : want["probabilities"].items()) {
    EXPECT_NEAR(got["probabilities"][name].get<double>(), p.get<double>(), tolerance) << name;
  }
}

TEST_F(ServeCli, ServerAnswersLikePredictRefusesBadRequestsAndDrainsOnSigterm) {
  ASSERT_FALSE(checkpoint_.empty());
  const std::string model = dir_->File("served");
  ASSERT_EQ(RunCommand(Merhan("export --checkpoint " + Quote(checkpoint_) + " --out " + Quote(model))).exit_code, 0);
  const nlohmann::json want = Predict("--model " + Quote(model), wav_, kText);
  const nlohmann::json want2 = Predict("--model " + Quote(model), wav2_, kText2);
  ASSERT_TRUE(want.contains("probabilities")) << want;

  // --threads 0: every core, as `merhan predict` computes; answers are bit-identical
  // at the same intra-op thread count (another count may change the last bits of a sum).
  Server server("--model " + Quote(model) +
                    " --port 0 --threads 0 --max-batch 4 --max-wait-ms 100 --max-body-mb 1 "
                    "--max-audio-seconds 10 --max-transcript-chars 100",
                dir_->File("serve.log"));
  ASSERT_GT(server.port(), 0) << server.Log();
  const std::string out = dir_->File("body");
  auto a = Curl(server.Url("/healthz"), out);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body["status"], "ok");
  a = Curl(server.Url("/v1/model"), out);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body["classes"].size(), want["probabilities"].size()) << a.raw;
  EXPECT_EQ(a.body["serve"]["max_batch"], 4) << a.raw;
  EXPECT_TRUE(a.body["metrics"].is_object()) << a.raw;

  // One utterance three ways: the same answer as merhan predict, bit for bit.
  const std::string raw = "-H 'Content-Type: audio/wav' --data-binary @" + Quote(wav_);
  a = Curl(raw + " -H " + Quote("X-Transcript: " + kText) + " " + server.Url("/v1/predict?id=x"), out);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["id"], "x");
  EXPECT_FALSE(a.body.contains("wav")) << "no server-side path leaks out";
  EXPECT_EQ(a.body["probabilities"].dump(), want["probabilities"].dump());
  EXPECT_EQ(a.body["label"], want["label"]);
  a = Curl("-F audio=@" + Quote(wav_) + " -F " + Quote("transcript=" + kText) + " " + server.Url("/v1/predict"), out);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["probabilities"].dump(), want["probabilities"].dump());
  const std::string json_request = dir_->File("request.json");
  ASSERT_EQ(RunCommand("printf '{\"audio\": \"%s\", \"transcript\": \"" + kText + "\"}' \"$(base64 -w0 " + Quote(wav_) +
                       ")\" > " + Quote(json_request))
                .exit_code,
            0);
  a = Curl(
      "-H 'Content-Type: application/json' --data-binary @" + Quote(json_request) + " " + server.Url("/v1/predict"),
      out);
  ASSERT_EQ(a.status, 200) << a.raw;
  EXPECT_EQ(a.body["probabilities"].dump(), want["probabilities"].dump());

  // Any container FFmpeg reads: an AAC m4a of the same utterance is answered (lossy, so
  // its probabilities are not the wav's bits); a truncated one is a 400 (below).
  const std::string m4a = dir_->File("utterance.m4a"), broken_m4a = dir_->File("broken.m4a");
  ASSERT_EQ(RunCommand("ffmpeg -nostdin -loglevel error -y -i " + Quote(wav_) + " -c:a aac -b:a 128k " + Quote(m4a) +
                       " && head -c 2000 " + Quote(m4a) + " > " + Quote(broken_m4a))
                .exit_code,
            0);
  a = Curl("-H 'Content-Type: audio/mp4' --data-binary @" + Quote(m4a) + " -H " + Quote("X-Transcript: " + kText) +
               " " + server.Url("/v1/predict"),
           out);
  ASSERT_EQ(a.status, 200) << a.raw;
  double total = 0;
  for (const auto& [name, p] : a.body["probabilities"].items()) total += p.get<double>();
  EXPECT_NEAR(total, 1.0, 1e-5) << a.raw;
  EXPECT_EQ(a.body["probabilities"].size(), want["probabilities"].size());

  // Several in one request (padded together: equal up to float rounding).
  a = Curl("-F audio=@" + Quote(wav_) + " -F " + Quote("transcript=" + kText) + " -F audio=@" + Quote(wav2_) + " -F " +
               Quote("transcript=" + kText2) + " " + server.Url("/v1/predict/batch"),
           out);
  ASSERT_EQ(a.status, 200) << a.raw;
  ASSERT_EQ(a.body["predictions"].size(), 2u) << a.raw;
  ExpectSamePrediction(a.body["predictions"][0], want, 1e-5);
  ExpectSamePrediction(a.body["predictions"][1], want2, 1e-5);

  // Bad requests: each its 4xx with a JSON reason; the server keeps serving.
  const std::string trunc = dir_->File("truncated.wav"), big = dir_->File("big.bin"), long_wav = dir_->File("long.wav");
  ASSERT_EQ(RunCommand("head -c 3000 " + Quote(wav_) + " > " + Quote(trunc) + " && head -c 2000000 /dev/zero > " +
                       Quote(big) + " && sox -n -r 16000 -c 1 -b 16 " + Quote(long_wav) + " synth 12 sine 220")
                .exit_code,
            0);
  const std::string text = " -H 'X-Transcript: hello' ";
  const std::vector<std::pair<std::string, int>> bad = {
      {"-H 'Content-Type: audio/wav' --data-binary 'not audio at all'" + text + server.Url("/v1/predict"), 400},
      {"-H 'Content-Type: audio/wav' --data-binary @" + Quote(trunc) + text + server.Url("/v1/predict"), 400},
      {raw + " -H 'X-Transcript:   ' " + server.Url("/v1/predict"), 400},
      {raw + " " + server.Url("/v1/predict"), 400},
      {"-F audio=@" + Quote(wav_) + " " + server.Url("/v1/predict"), 400},
      {"-H 'Content-Type: application/json' --data-binary '{\"audio\": ' " + server.Url("/v1/predict"), 400},
      {"-H 'Content-Type: application/json' --data-binary '{\"audio\": \"%%%\", \"transcript\": \"hi\"}' " +
           server.Url("/v1/predict"),
       400},
      {"-H 'Content-Type: audio/wav' --data-binary @" + Quote(big) + text + server.Url("/v1/predict"), 413},
      {raw + " -H " + Quote("X-Transcript: " + std::string(101, 'a')) + " " + server.Url("/v1/predict"), 413},
      {"-H 'Content-Type: audio/wav' --data-binary @" + Quote(long_wav) + text + server.Url("/v1/predict"), 413},
      {raw + text + server.Url("/v1/nothing-here"), 404},
      {"-H 'Content-Type: audio/mp4' --data-binary @" + Quote(broken_m4a) + text + server.Url("/v1/predict"), 400},
  };
  for (const auto& [args, status] : bad) {
    a = Curl(args, out);
    EXPECT_EQ(a.status, status) << args << "\n" << a.raw;
    EXPECT_TRUE(a.body.is_object() && a.body.contains("error")) << args << "\n" << a.raw;
    ASSERT_EQ(Curl(server.Url("/healthz"), out).status, 200) << "the server went down after " << args;
  }

  // Concurrent clients share batches and each gets its own answer.
  const auto parallel =
      RunCommand("for i in 1 2 3 4 5 6 7 8; do curl -s -o " + Quote(dir_->File("par")) + "$i -w '%{http_code}\\n' " +
                 raw + " -H " + Quote("X-Transcript: " + kText) + " " + server.Url("/v1/predict") + " & done; wait");
  EXPECT_EQ(std::count(parallel.output.begin(), parallel.output.end(), '\n'), 8) << parallel.output;
  EXPECT_EQ(parallel.output.find_first_not_of("200\n"), std::string::npos) << parallel.output;
  for (int i = 1; i <= 8; ++i) ExpectSamePrediction(JsonOf(Slurp(dir_->File("par") + std::to_string(i))), want, 1e-5);

  // SIGTERM while a request is in flight: it is answered, then the server exits 0.
  const std::string done = dir_->File("late.done");
  RunCommand("(curl -s -o " + Quote(dir_->File("late")) + " -w '%{http_code}' " + raw + " -H " +
             Quote("X-Transcript: " + kText) + " " + server.Url("/v1/predict?id=late") + " > " + Quote(done) +
             ".tmp; mv " + Quote(done) + ".tmp " + Quote(done) + ") > /dev/null 2>&1 &");
  for (int i = 0; i < 600 && server.Log().find("start POST /v1/predict?id=late") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(server.Log().find("start POST /v1/predict?id=late"), std::string::npos) << server.Log();
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0) << server.Log();
  for (int i = 0; i < 200 && !fs::exists(done); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(Slurp(done), "200") << server.Log();
  EXPECT_EQ(JsonOf(Slurp(dir_->File("late")))["id"], "late");
  const std::string log = server.Log();
  EXPECT_NE(log.find("\"POST /v1/predict\" 200"), std::string::npos) << "access log lines with latency\n" << log;
  EXPECT_NE(log.find(" ms"), std::string::npos) << log;
  EXPECT_NE(log.find("SIGTERM"), std::string::npos) << log;
}

}  // namespace
}  // namespace merhan
