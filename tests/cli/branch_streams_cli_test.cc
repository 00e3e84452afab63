// MER-HAN with a precomputed sequence stream in its audio branch, and per-speaker
// standardisation of precomputed streams, end to end on the `tiny` synthetic corpus
// with make_corpus --streams ("acoustic": frames x 128 in one safetensors file;
// "visual": pooled 2048-d vectors): train, eval on the checkpoint (fold and manifest),
// predict's usage error, the pooled-stream usage error, the transductive record.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "merhan/runtime/checkpoint.h"

namespace merhan {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;

class BranchStreams : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    const auto made = testing::MakeTinyCorpus(*dir_, 5, "--streams");
    ASSERT_EQ(made.exit_code, 0) << made.output;
    for (const char* normalize : {"none", "speaker", "speaker-transductive"}) {
      const nlohmann::json streams = {
          {"acoustic",
           {{"format", "safetensors"},
            {"file", dir_->File("corpus/features/acoustic.safetensors")},
            {"dim", 128},
            {"normalize", normalize}}},
          {"visual", {{"format", "npy"}, {"dir", dir_->File("corpus/features/visual")}, {"dim", 2048}}}};
      std::ofstream(dir_->File(std::string(normalize) + ".json"))
          << testing::TinyTrainConfig(*dir_,
                                      {{"data", {{"streams", streams}}},
                                       // The audio branch reads the acoustic frames instead of MFCC.
                                       {"model", {{"streams", {"acoustic", "text"}}}},
                                       {"run", {{"name", normalize}, {"folds", {0}}, {"out_dir", dir_->File("runs")}}},
                                       {"train", {{"epochs", 2}}}})
                 .dump(2);
    }
  }
  static void TearDownTestSuite() { delete dir_; }

  // Trains fold 0 with data.streams.acoustic.normalize = `normalize`; the run directory.
  static std::string Train(const std::string& normalize, const std::string& extra = "") {
    const std::string config = testing::Quote(dir_->File(normalize + ".json"));
    const auto r = RunCommand(testing::Merhan("train --config " + config + " " + extra));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    output_ = r.output;
    return testing::OnlyRun(dir_->File("runs/" + normalize));
  }

  // eval of the run's fold-0 checkpoint (on its test split, or a manifest) reproduces
  // the test metrics of training.
  static void ExpectEvalReproducesTest(const std::string& run, const std::string& manifest = "") {
    const std::string ckpt = run + "/fold-0/seed-1/best.ckpt";
    const std::string out = dir_->File("eval-" + fs::path(run).filename().string() + ".json");
    const std::string on = manifest.empty() ? "" : " --manifest " + testing::Quote(manifest);
    const auto ev = RunCommand(
        testing::Merhan("eval --checkpoint " + testing::Quote(ckpt) + " --output " + testing::Quote(out) + on));
    ASSERT_EQ(ev.exit_code, 0) << ev.output;
    const nlohmann::json test = testing::ReadJson(run + "/fold-0/seed-1/test_metrics.json")["test"];
    const nlohmann::json evj = testing::ReadJson(out);
    EXPECT_EQ(evj["count"], test["count"]);
    for (const char* m : {"war", "uar", "macro_f1"}) {
      EXPECT_NEAR(evj[m].get<double>(), test[m].get<double>(), 1e-12) << m << " " << manifest;
    }
  }

  // A JSONL manifest of the corpus's utterances of session 1 (fold 0's test speakers).
  static std::string TestFoldManifest() {
    const std::string path = dir_->File("session1.jsonl");
    std::ifstream in(dir_->File("corpus/ground_truth.jsonl"));
    std::ofstream out(path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      const nlohmann::json u = nlohmann::json::parse(line);
      std::string label = u["label"];
      if (label == "exc") label = "hap";
      if (u["session"].get<int>() != 1 || (label != "neu" && label != "hap" && label != "ang" && label != "sad")) {
        continue;
      }
      const std::string wav = dir_->File("corpus/" + u["wav"].get<std::string>());
      out << nlohmann::json{{"id", u["id"]},
                            {"wav", wav},
                            {"text", u["text"]},
                            {"label", label},
                            {"speaker", u["speaker"]}}
                 .dump()
          << "\n";
    }
    return path;
  }

  static testing::TempDir* dir_;
  static std::string output_;
};
testing::TempDir* BranchStreams::dir_ = nullptr;
std::string BranchStreams::output_;

TEST_F(BranchStreams, MerhanAudioBranchReadsAPrecomputedStream) {
  const std::string run = Train("none");
  EXPECT_TRUE(fs::exists(run + "/fold-0/seed-1/test_metrics.json"));
  // No MFCC was extracted: the audio branch read the acoustic frames.
  for (const auto& e : fs::directory_iterator(dir_->File("cache"))) {
    EXPECT_NE(e.path().filename().string().rfind("mfcc-", 0), 0u) << e.path();
  }
  const CheckpointReader reader(run + "/fold-0/seed-1/best.ckpt");
  EXPECT_EQ(reader.meta().dims.stream_dims.at("acoustic"), 128);
  EXPECT_TRUE(reader.meta().stream_normalization.is_null());
  ExpectEvalReproducesTest(run);

  // predict from a wav and a transcript cannot compute the acoustic frames.
  std::string wav;
  for (const auto& e : fs::recursive_directory_iterator(dir_->File("corpus"))) {
    if (e.path().extension() == ".wav") {
      wav = e.path().string();
      break;
    }
  }
  const std::string ckpt = testing::Quote(run + "/fold-0/seed-1/best.ckpt");
  const auto pr = RunCommand(testing::Merhan("predict --checkpoint " + ckpt + " --wav " + testing::Quote(wav) +
                                             " --text 'I am so happy about this!'"));
  EXPECT_EQ(pr.exit_code, 2) << pr.output;
  EXPECT_NE(pr.output.find("stream \"acoustic\" (data.streams.acoustic)"), std::string::npos) << pr.output;
  EXPECT_NE(pr.output.find("--manifest"), std::string::npos) << pr.output;
}

TEST_F(BranchStreams, PooledStreamInABranchIsAUsageError) {
  const auto r = RunCommand(testing::Merhan("train --config " + testing::Quote(dir_->File("none.json")) +
                                            " --set 'model.streams=[\"visual\", \"text\"]' --set run.name=pooled"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("model.streams[0]: MER-HAN's audio branch reads a sequence (frames x dim), but stream "
                          "\"visual\" is pooled"),
            std::string::npos)
      << r.output;
}

TEST_F(BranchStreams, SpeakerNormalizationTrainsEvaluatesAndTravelsInTheCheckpoint) {
  const std::string run = Train("speaker");
  const CheckpointReader reader(run + "/fold-0/seed-1/best.ckpt");
  const nlohmann::json& stats = reader.meta().stream_normalization;
  ASSERT_TRUE(stats.is_array()) << stats.dump().substr(0, 200);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0]["stream"], "acoustic");
  EXPECT_EQ(stats[0]["normalize"], "speaker");
  // Fold 0 tests session 1 and validates on session 2: the other six speakers train.
  EXPECT_EQ(stats[0]["speakers"].size(), 6u) << stats[0]["speakers"].dump().substr(0, 200);
  for (const auto& [speaker, m] : stats[0]["speakers"].items()) {
    EXPECT_TRUE(speaker[0] != '1' && speaker[0] != '2') << speaker;
  }
  EXPECT_EQ(output_.find("transductive"), std::string::npos);
  ExpectEvalReproducesTest(run);
  // On new data the checkpoint's training-speaker statistics apply (test speakers
  // are unseen there as in training): the same predictions.
  ExpectEvalReproducesTest(run, TestFoldManifest());
}

TEST_F(BranchStreams, TransductiveNormalizationIsWarnedAndRecorded) {
  const std::string run = Train("speaker-transductive");
  EXPECT_NE(output_.find("data.streams.acoustic.normalize=speaker-transductive"), std::string::npos) << output_;
  const nlohmann::json summary = testing::ReadJson(run + "/summary.json");
  ASSERT_TRUE(summary.contains("transductive")) << summary.dump().substr(0, 300);
  EXPECT_EQ(summary["transductive"]["streams"], nlohmann::json::array({"acoustic"}));
  ExpectEvalReproducesTest(run);
  // On a manifest of the test speakers, their own statistics are refitted there: the
  // same statistics as in training, so the same predictions.
  ExpectEvalReproducesTest(run, TestFoldManifest());
}

}  // namespace
}  // namespace merhan
