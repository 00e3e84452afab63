// A speech-encoder stream end to end on the `tiny` synthetic corpus with a small random
// WavLM (scripts/make_speech_encoder_fixtures.py, 2 layers of 32; all 3 hidden states
// kept, float16): MER-HAN's audio branch reads it; the checkpoint records its layout
// and the encoder's fingerprint; the summary lists the learned layer weights;
// eval reproduces the test metrics; predict --wav, an exported model directory and
// serve give the probabilities evaluation gave that utterance; the pooled baselines
// train on it; a changed encoder and a bad config are refused before any training.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "../speech/speech_fixtures.h"
#include "cli_test_util.h"
#include "merhan/runtime/checkpoint.h"
#include "merhan/runtime/loaded_model.h"
#include "merhan/speech/speech_encoder_config.h"
#include "merhan/speech/speech_model_dir.h"
#include "merhan/speech/speech_top_layers.h"

namespace merhan {
namespace {

namespace fs = std::filesystem;
using testing::Merhan;
using testing::Quote;
using testing::RunCommand;

class SpeechStreamCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    const std::string fixtures = testing::SpeechFixtureDir(testing::FixtureShapes::kSmall);
    ASSERT_FALSE(fixtures.empty());
    fs::copy(fixtures + "/wavlm-base-plus", dir_->File("wavlm"));
    ASSERT_EQ(testing::MakeTinyCorpus(*dir_, 5).exit_code, 0);
    const nlohmann::json streams = {{"wavlm", {{"format", "speech-encoder"}, {"model_dir", dir_->File("wavlm")}}}};
    std::ofstream(dir_->File("merhan.json"))
        << testing::TinyTrainConfig(*dir_, {{"data", {{"streams", streams}}},
                                            {"model", {{"streams", {"wavlm", "text"}}}},
                                            {"run", {{"name", "wavlm"}, {"folds", {0}}, {"out_dir", dir_->File("runs")}}},
                                            {"train", {{"epochs", 2}}}})
                  .dump(2);
  }
  static void TearDownTestSuite() { delete dir_; }

  // MER-HAN on the stream, fold 0 (each test runs in a process of its own: only the
  // test that needs the run trains it).
  static void Train() {
    const auto r = RunCommand(Merhan("train --config " + Quote(dir_->File("merhan.json"))));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    run_ = testing::OnlyRun(dir_->File("runs/wavlm"));
    checkpoint_ = run_ + "/fold-0/seed-1/best.ckpt";
  }

  // The first test utterance of predictions.csv: its id, wav, transcript and the
  // probabilities evaluation gave it (uncalibrated), as predict prints them.
  static nlohmann::json FirstTestUtterance() {
    std::ifstream csv(run_ + "/fold-0/seed-1/predictions.csv");
    std::string header, row;
    std::getline(csv, header);
    std::getline(csv, row);
    std::vector<std::string> names, cells;
    for (auto* v : {&names, &cells}) {
      std::stringstream line(v == &names ? header : row);
      for (std::string cell; std::getline(line, cell, ',');) v->push_back(cell);
    }
    nlohmann::json u = {{"id", cells[0]}, {"probabilities", nlohmann::json::object()}};
    for (size_t k = 3; k < names.size(); ++k) u["probabilities"][names[k].substr(2)] = std::stod(cells[k]);
    std::ifstream truth(dir_->File("corpus/ground_truth.jsonl"));
    for (std::string line; std::getline(truth, line);) {
      const nlohmann::json t = nlohmann::json::parse(line);
      if (t["id"] != u["id"]) continue;
      u["wav"] = dir_->File("corpus/" + t["wav"].get<std::string>());
      u["text"] = t["text"];
    }
    return u;
  }

  static nlohmann::json Predict(const std::string& source, const nlohmann::json& u) {
    const auto r = RunCommand(Merhan("predict --no-calibration " + source + " --wav " + Quote(u["wav"]) + " --text " +
                                     Quote(u["text"])));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    const size_t open = r.output.find('{');
    return open == std::string::npos ? nlohmann::json() : nlohmann::json::parse(r.output.substr(open));
  }

  static void ExpectProbabilities(const nlohmann::json& got, const nlohmann::json& want, const std::string& what) {
    ASSERT_TRUE(got.contains("probabilities")) << what << ": " << got.dump();
    for (const auto& [name, p] : want["probabilities"].items()) {
      // predictions.csv keeps 6 significant digits.
      EXPECT_NEAR(got["probabilities"][name].get<double>(), p.get<double>(), 2e-6) << what << " " << name;
    }
  }

  static testing::TempDir* dir_;
  static std::string run_, checkpoint_;
};
testing::TempDir* SpeechStreamCli::dir_ = nullptr;
std::string SpeechStreamCli::run_, SpeechStreamCli::checkpoint_;

TEST_F(SpeechStreamCli, MerhanTrainsAndPredictExportAndServeComputeTheStreamAsTrainingDid) {
  Train();
  ASSERT_FALSE(run_.empty());
  const CheckpointReader reader(checkpoint_);
  EXPECT_EQ(reader.meta().dims.stream_dims.at("wavlm"), 32);
  EXPECT_EQ(reader.meta().dims.stream_layers.at("wavlm"), 3);
  ASSERT_TRUE(reader.meta().speech_encoders.contains("wavlm")) << reader.meta().speech_encoders.dump();
  EXPECT_TRUE(reader.meta().speech_encoders["wavlm"]["files"].contains("model.safetensors"));
  // The audio branch read the encoder's frames: no MFCC cache; the stream's is float16.
  bool speech_cache = false;
  for (const auto& e : fs::directory_iterator(dir_->File("cache"))) {
    const std::string name = e.path().filename().string();
    EXPECT_NE(name.rfind("mfcc-", 0), 0u) << name;
    if (name.rfind("wavlm-", 0) != 0) continue;
    speech_cache = true;
    EXPECT_EQ(testing::ReadJson(e.path().string() + "/index.json")["dtype"], "float16-le");
  }
  EXPECT_TRUE(speech_cache);
  // The summary lists the learned weights of the three hidden states; they sum to 1.
  const nlohmann::json summary = testing::ReadJson(run_ + "/summary.json");
  const nlohmann::json weights = summary["runs"][0]["layer_weights"]["wavlm"];
  ASSERT_EQ(weights.size(), 3u) << summary["runs"][0].dump().substr(0, 400);
  EXPECT_NEAR(weights[0].get<double>() + weights[1].get<double>() + weights[2].get<double>(), 1.0, 1e-9);
  EXPECT_NE(testing::Slurp(run_ + "/summary.md").find("| 0 (loso-test1) | 1 | wavlm | "), std::string::npos);

  const std::string out = dir_->File("eval.json");
  const auto ev = RunCommand(Merhan("eval --checkpoint " + Quote(checkpoint_) + " --output " + Quote(out)));
  ASSERT_EQ(ev.exit_code, 0) << ev.output;
  const nlohmann::json test = testing::ReadJson(run_ + "/fold-0/seed-1/test_metrics.json")["test"];
  for (const char* m : {"war", "uar", "macro_f1"}) {
    EXPECT_NEAR(testing::ReadJson(out)[m].get<double>(), test[m].get<double>(), 1e-12) << m;
  }
  // On another config's test utterances (one that declares no speech stream): the
  // model brings its encoder.
  std::ofstream(dir_->File("plain.json")) << testing::TinyTrainConfig(*dir_, nlohmann::json::object()).dump(2);
  const auto other = RunCommand(Merhan("eval --checkpoint " + Quote(checkpoint_) + " --config " +
                                       Quote(dir_->File("plain.json")) + " --output " + Quote(dir_->File("other.json"))));
  ASSERT_EQ(other.exit_code, 0) << other.output;
  EXPECT_GT(testing::ReadJson(dir_->File("other.json"))["count"].get<int>(), test["count"].get<int>());

  const nlohmann::json u = FirstTestUtterance();
  ASSERT_TRUE(u.contains("wav")) << u.dump();
  ExpectProbabilities(Predict("--checkpoint " + Quote(checkpoint_), u), u, "predict --checkpoint");

  const std::string exported = dir_->File("exported");
  const auto ex = RunCommand(Merhan("export --checkpoint " + Quote(checkpoint_) + " --out " + Quote(exported)));
  ASSERT_EQ(ex.exit_code, 0) << ex.output;
  EXPECT_TRUE(fs::exists(exported + "/speech_encoders/wavlm/model.safetensors"));
  EXPECT_EQ(testing::ReadJson(exported + "/config.json")["data"]["streams"]["wavlm"]["model_dir"],
            "speech_encoders/wavlm");
  ExpectProbabilities(Predict("--model " + Quote(exported), u), u, "predict --model");

  testing::Process server(Quote(testing::MerhanBinary()) + " serve --no-calibration --model " + Quote(exported) +
                              " --port 0 --threads 0",
                          dir_->File("serve.log"));
  ASSERT_TRUE(server.WaitForLog("listening on http://127.0.0.1:", 60)) << server.Log();
  std::smatch port;
  const std::string log = server.Log();
  ASSERT_TRUE(std::regex_search(log, port, std::regex("127\\.0\\.0\\.1:([0-9]+)")));
  const auto r = RunCommand("curl -s -S -F audio=@" + Quote(u["wav"]) + " -F " + Quote("transcript=" + u["text"].get<std::string>()) +
                            " http://127.0.0.1:" + port[1].str() + "/v1/predict");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectProbabilities(nlohmann::json::parse(r.output), u, "serve");
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0) << server.Log();

  // The encoder moved: accepted at its new place, file for file.
  const std::string moved = dir_->File("moved-wavlm");
  fs::copy(dir_->File("wavlm"), moved);
  ExpectProbabilities(Predict("--checkpoint " + Quote(checkpoint_) + " --speech-model-dir wavlm=" + Quote(moved), u), u,
                      "predict --speech-model-dir");
  // The encoder changed since training: refused, naming the file.
  std::ofstream(dir_->File("wavlm/preprocessor_config.json"), std::ios::app) << " ";
  const auto pr = RunCommand(Merhan("predict --checkpoint " + Quote(checkpoint_) + " --wav " + Quote(u["wav"]) +
                                    " --text " + Quote(u["text"])));
  EXPECT_EQ(pr.exit_code, 3) << pr.output;
  EXPECT_NE(pr.output.find("preprocessor_config.json changed"), std::string::npos) << pr.output;
  EXPECT_NE(pr.output.find("--speech-model-dir wavlm=DIR"), std::string::npos) << pr.output;
  std::ofstream(moved + "/config.json", std::ios::app) << " ";
  const auto mv = RunCommand(Merhan("predict --checkpoint " + Quote(checkpoint_) + " --speech-model-dir wavlm=" +
                                    Quote(moved) + " --wav " + Quote(u["wav"]) + " --text " + Quote(u["text"])));
  EXPECT_EQ(mv.exit_code, 3) << mv.output;
  EXPECT_NE(mv.output.find(moved + ": config.json changed"), std::string::npos) << mv.output;
  ExpectProbabilities(Predict("--model " + Quote(exported), u), u, "the exported copy is unaffected");
}

TEST_F(SpeechStreamCli, PooledBaselinesTrainOnTheStream) {
  for (const char* type : {"mlp", "early_fusion"}) {
    const std::string streams = std::string(type) == "mlp" ? "[\"wavlm\"]" : "[\"wavlm\", \"text\"]";
    const auto r = RunCommand(Merhan("train --config " + Quote(dir_->File("merhan.json")) + " --set model.type=" +
                                     type + " --set " + Quote("model.streams=" + streams) + " --set run.name=" + type +
                                     " --set train.epochs=1"));
    ASSERT_EQ(r.exit_code, 0) << type << "\n" << r.output;
    const nlohmann::json summary = testing::ReadJson(testing::OnlyRun(dir_->File(std::string("runs/") + type)) + "/summary.json");
    EXPECT_EQ(summary["runs"][0]["layer_weights"]["wavlm"].size(), 3u) << type;
  }
}

// The encoder's top layer trains inside MER-HAN (data.streams.wavlm.trainable_layers 1,
// train.audio_lr): the cache holds hidden states 0 and 1, the checkpoint the tuned
// layer, and predict computes what evaluation did.
TEST_F(SpeechStreamCli, TopLayerTrainsInsideTheModel) {
  nlohmann::json streams = {{"wavlm", {{"format", "speech-encoder"}, {"model_dir", dir_->File("wavlm")},
                                       {"trainable_layers", 1}}}};
  const auto r = RunCommand(Merhan("train --config " + Quote(dir_->File("merhan.json")) + " --set " +
                                   Quote("data.streams=" + streams.dump()) +
                                   " --set run.name=tuned --set train.audio_lr=1e-3"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  run_ = testing::OnlyRun(dir_->File("runs/tuned"));
  checkpoint_ = run_ + "/fold-0/seed-1/best.ckpt";
  const CheckpointReader reader(checkpoint_);
  EXPECT_EQ(reader.meta().dims.stream_layers.at("wavlm"), 3);  // 0 and 1 cached, 2 computed
  bool two_states = false;
  for (const auto& e : fs::directory_iterator(dir_->File("cache"))) {
    if (e.path().filename().string().rfind("wavlm-", 0) != 0) continue;
    const nlohmann::json index = testing::ReadJson(e.path().string() + "/index.json");
    two_states = two_states || index["entries"][0]["cols"] == 64;
  }
  EXPECT_TRUE(two_states) << "the cache holds hidden states 0 and 1 (2 x 32)";
  // The tuned layer moved away from the encoder's layer 1.
  SpeechTopLayers pretrained(SpeechEncoderConfig::FromJson(dir_->File("wavlm/config.json")), 1);
  LoadedSpeechEncoder encoder = LoadSpeechEncoder({dir_->File("wavlm")});
  pretrained->CopyFrom(*encoder.model);
  const torch::Tensor before = pretrained->named_parameters()["layers.0.attention.q_proj.weight"];
  const LoadedModel loaded = LoadModelForInference(checkpoint_);
  const auto params = loaded.model->named_parameters();
  ASSERT_TRUE(params.contains("speech_top.layers.0.attention.q_proj.weight"));
  EXPECT_GT((params["speech_top.layers.0.attention.q_proj.weight"] - before).abs().max().item<float>(), 1e-6f);

  const auto ev = RunCommand(Merhan("eval --checkpoint " + Quote(checkpoint_) + " --output " + Quote(dir_->File("tuned.json"))));
  ASSERT_EQ(ev.exit_code, 0) << ev.output;
  const nlohmann::json test = testing::ReadJson(run_ + "/fold-0/seed-1/test_metrics.json")["test"];
  EXPECT_NEAR(testing::ReadJson(dir_->File("tuned.json"))["uar"].get<double>(), test["uar"].get<double>(), 1e-12);
  const nlohmann::json u = FirstTestUtterance();
  ExpectProbabilities(Predict("--checkpoint " + Quote(checkpoint_), u), u, "predict, tuned top layer");

  const auto late = RunCommand(Merhan("train --config " + Quote(dir_->File("merhan.json")) + " --set " +
                                      Quote("data.streams=" + streams.dump()) +
                                      " --set model.type=late_fusion --set run.name=bad"));
  EXPECT_EQ(late.exit_code, 2) << late.output;
  EXPECT_NE(late.output.find("data.streams.wavlm.trainable_layers: training an encoder's top layers is supported for "
                             "model.type merhan and mlp"),
            std::string::npos)
      << late.output;
}

TEST_F(SpeechStreamCli, BadEncoderConfigsFailBeforeTraining) {
  // data.streams with the wavlm stream's `fields` changed.
  auto train = [&](const nlohmann::json& fields) {
    nlohmann::json stream = {{"format", "speech-encoder"}, {"model_dir", dir_->File("wavlm")}};
    stream.merge_patch(fields);
    return RunCommand(Merhan("train --config " + Quote(dir_->File("merhan.json")) + " --set " +
                             Quote("data.streams=" + nlohmann::json{{"wavlm", stream}}.dump()) + " --set run.name=bad"));
  };
  const struct {
    nlohmann::json fields;
    int exit_code;
    std::string message;
  } cases[] = {
      {{{"layers", {0, 5}}}, 2, "data.streams.wavlm.layers: hidden state 5 does not exist"},
      {{{"model_dir", dir_->File("nowhere")}}, 3, "data.streams.wavlm.model_dir: " + dir_->File("nowhere")},
      {{{"dtype", "bf16"}}, 2, "data.streams.wavlm.dtype: expected float16 or float32"},
  };
  for (const auto& c : cases) {
    const auto r = train(c.fields);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.fields.dump() << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.fields.dump() << "\n" << r.output;
  }
  // A feature extractor at 8 kHz: refused naming the file and the field.
  const std::string eight = dir_->File("wavlm-8k");
  fs::copy(dir_->File("wavlm"), eight);
  nlohmann::json pre = testing::ReadJson(eight + "/preprocessor_config.json");
  pre["sampling_rate"] = 8000;
  std::ofstream(eight + "/preprocessor_config.json") << pre.dump();
  const auto r = train({{"model_dir", eight}});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(eight + "/preprocessor_config.json"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("sampling_rate"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir_->File("runs/bad"))) << "a run directory was made before the config was refused";
}

}  // namespace
}  // namespace merhan
