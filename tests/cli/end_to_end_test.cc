// End to end on the `tiny` synthetic corpus (scripts/make_corpus): `merhan train`
// on two LOSO folds, `eval`, `predict`, resume exactness, metrics identical to
// scikit-learn (scripts/ref_metrics_csv.py), bad inputs to predict, training
// with the text encoder fine-tuned, and the statistics of a run (intervals,
// calibration, per-speaker results) with `merhan compare`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_test_util.h"
#include "merhan/nn/bert.h"
#include "merhan/runtime/inference.h"

namespace merhan {
namespace {

namespace fs = std::filesystem;
using testing::Merhan;
using testing::OnlyRun;
using testing::Quote;
using testing::ReadJson;
using testing::RunCommand;
using testing::Slurp;

class EndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    const auto made = testing::MakeTinyCorpus(*dir_, 3);
    ASSERT_EQ(made.exit_code, 0) << made.output;
    std::ofstream(dir_->File("e2e.json"))
        << testing::TinyTrainConfig(*dir_,
                                    {{"run", {{"name", "e2e"}, {"folds", {0, 1}}, {"out_dir", dir_->File("runs")}}}})
               .dump(2);
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::string Train(const std::string& name, const std::string& extra = "") {
    const auto r =
        RunCommand(Merhan("train --config " + Quote(dir_->File("e2e.json")) + " --set run.name=" + name + " " + extra));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return OnlyRun(dir_->File("runs/" + name));
  }

  static testing::TempDir* dir_;
};
testing::TempDir* EndToEnd::dir_ = nullptr;

TEST_F(EndToEnd, TrainEvalPredictAndMetricsMatchScikitLearn) {
  const std::string run = Train("full");
  for (const char* f : {"config.json", "environment.json", "command.txt", "data.json", "folds.md", "summary.json",
                        "summary.csv", "summary.md", "report.html"}) {
    EXPECT_TRUE(fs::exists(run + "/" + f)) << f;
  }
  const nlohmann::json env = ReadJson(run + "/environment.json");
  EXPECT_FALSE(env["git_revision"].get<std::string>().empty());
  for (int fold : {0, 1}) {
    const std::string dir = run + "/fold-" + std::to_string(fold) + "/seed-1";
    for (const char* f : {"best.ckpt", "last.ckpt", "metrics.jsonl", "test_metrics.json", "predictions.csv"}) {
      EXPECT_TRUE(fs::exists(dir + "/" + f)) << dir << "/" << f;
    }
    // Our metrics against scikit-learn on the same predictions (tolerance 1e-12).
    const auto ref =
        RunCommand(Quote(testing::PythonBinary()) + " " + Quote(testing::SourceDir() + "/scripts/ref_metrics_csv.py") +
                   " " + Quote(dir + "/predictions.csv") + " neu hap ang sad");
    ASSERT_EQ(ref.exit_code, 0) << ref.output;
    const nlohmann::json sk = nlohmann::json::parse(ref.output);
    const nlohmann::json ours = ReadJson(dir + "/test_metrics.json")["test"];
    EXPECT_GT(ours["count"].get<int>(), 0);
    EXPECT_EQ(ours["count"], sk["count"]);
    for (const char* m : {"war", "uar", "macro_f1", "weighted_f1"}) {
      EXPECT_NEAR(ours[m].get<double>(), sk[m].get<double>(), 1e-12) << m;
    }
    EXPECT_EQ(ours["confusion"], sk["confusion"]);
  }

  // eval on the checkpoint's own fold reproduces the test metrics of training.
  const std::string ckpt = run + "/fold-0/seed-1/best.ckpt";
  const auto ev =
      RunCommand(Merhan("eval --checkpoint " + Quote(ckpt) + " --output " + Quote(dir_->File("eval.json"))));
  ASSERT_EQ(ev.exit_code, 0) << ev.output;
  const nlohmann::json evj = ReadJson(dir_->File("eval.json"));
  EXPECT_NEAR(evj["war"].get<double>(), ReadJson(run + "/fold-0/seed-1/test_metrics.json")["test"]["war"].get<double>(),
              1e-12);

  // predict on one wav of the corpus with its transcript.
  std::string wav;
  for (const auto& e : fs::recursive_directory_iterator(dir_->File("corpus"))) {
    if (e.path().extension() == ".wav") {
      wav = e.path().string();
      break;
    }
  }
  ASSERT_FALSE(wav.empty());
  const auto pr = RunCommand(Merhan("--log-level warn predict --checkpoint " + Quote(ckpt) + " --wav " + Quote(wav) +
                                    " --text 'I am so happy about this!'"));
  ASSERT_EQ(pr.exit_code, 0) << pr.output;
  const nlohmann::json pj = nlohmann::json::parse(pr.output.substr(pr.output.find('{')));
  double total = 0;
  for (const auto& [name, p] : pj["probabilities"].items()) total += p.get<double>();
  EXPECT_NEAR(total, 1.0, 1e-5) << pr.output;
  const std::string label = pj["label"];
  EXPECT_TRUE(label == "neu" || label == "hap" || label == "ang" || label == "sad") << label;

  // Bad inputs to predict: exit 3, naming what is wrong.
  auto bad = RunCommand(Merhan("predict --checkpoint " + Quote(ckpt) + " --wav /nonexistent/a.wav --text hi"));
  EXPECT_EQ(bad.exit_code, 3) << bad.output;
  EXPECT_NE(bad.output.find("/nonexistent/a.wav"), std::string::npos) << bad.output;
  bad = RunCommand(Merhan("predict --checkpoint " + Quote(ckpt) + " --wav " + Quote(wav) + " --text '   '"));
  EXPECT_EQ(bad.exit_code, 3) << bad.output;
  bad = RunCommand(Merhan("predict --checkpoint " + Quote(wav) + " --wav " + Quote(wav) + " --text hi"));
  EXPECT_EQ(bad.exit_code, 3) << bad.output;
  EXPECT_NE(bad.output.find(wav), std::string::npos) << bad.output;
}

// A multi-threaded feature pass (its workers set one intra-op thread for
// themselves) and batch workers must not lower the count the training steps run
// with; environment.json and metrics.jsonl record the count the steps saw.
TEST_F(EndToEnd, TrainingStepsRunWithTheRequestedThreads) {
  const std::string run = Train("threads",
                                "--set 'run.folds=[0]' --set train.epochs=1 --set run.threads=3 "
                                "--set data.cache_threads=2 --set train.num_workers=2 --set data.cache_dir=" +
                                    Quote(dir_->File("cache-threads")));
  EXPECT_EQ(ReadJson(run + "/environment.json")["intra_op_threads"].get<int>(), 3);
  const nlohmann::json epoch = nlohmann::json::parse(Slurp(run + "/fold-0/seed-1/metrics.jsonl"));
  EXPECT_EQ(epoch["threads"].get<int>(), 3) << epoch.dump();
}

// Length-bucketed batches (the default) pad less than a plain shuffle, and the
// padding share is recorded per epoch.
TEST_F(EndToEnd, BucketedBatchesPadLess) {
  auto padding = [&](const std::string& name, const std::string& bucket) {
    const std::string run = Train(name, "--set 'run.folds=[0]' --set train.epochs=1 --set train.bucket=" + bucket);
    const nlohmann::json epoch = nlohmann::json::parse(Slurp(run + "/fold-0/seed-1/metrics.jsonl"));
    EXPECT_GT(epoch["times"]["train"].get<double>(), 0) << epoch.dump();
    return std::make_pair(epoch["audio_padding"].get<double>(), epoch["text_padding"].get<double>());
  };
  const auto bucketed = padding("bucketed", "true");
  const auto plain = padding("plain", "false");
  EXPECT_GE(bucketed.first, 0.0);
  EXPECT_LT(bucketed.first, plain.first);
  EXPECT_LT(plain.first, 1.0);
  EXPECT_GT(plain.second, 0.0);
}

TEST_F(EndToEnd, ResumeReproducesTheUninterruptedRun) {
  const std::string whole = Train("whole", "--set run.folds=[0]");
  // "Interrupted" after 2 of 3 epochs: a 2-epoch run whose fold is then reopened
  // with the 3-epoch budget and resumed from its last.ckpt.
  const std::string cut = Train("cut", "--set run.folds=[0] --set train.epochs=2");
  const std::string fold = cut + "/fold-0/seed-1";
  for (const char* f : {"done.json", "test_metrics.json", "predictions.csv"}) fs::remove(fold + "/" + f);
  nlohmann::json config = ReadJson(cut + "/config.json");
  config["train"]["epochs"] = 3;
  std::ofstream(cut + "/config.json") << config.dump(2);
  const auto r = RunCommand(Merhan("train --resume " + Quote(cut)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Slurp(whole + "/fold-0/seed-1/predictions.csv"), Slurp(fold + "/predictions.csv"));
  EXPECT_EQ(ReadJson(whole + "/fold-0/seed-1/test_metrics.json")["test"],
            ReadJson(fold + "/test_metrics.json")["test"]);
}

}  // namespace
}  // namespace merhan

namespace merhan {
namespace {

// text.trainable_layers=1: the encoder runs inside the model on cached token ids;
// training moves its top layer (at train.text_lr) and nothing below it; eval
// reproduces the test metrics and predict runs on one file.
TEST_F(EndToEnd, FineTuningMovesOnlyTheTopTextLayer) {
  const std::string run = Train("finetune",
                                "--set text.trainable_layers=1 --set 'run.folds=[0]' "
                                "--set train.epochs=2 --set train.text_lr=1e-3");
  const std::string ckpt = run + "/fold-0/seed-1/best.ckpt";
  ASSERT_TRUE(fs::exists(ckpt));
  LoadedModel loaded = LoadModelForInference(ckpt, LoadOptions{"cpu"});
  const auto tuned = loaded.model->named_parameters();
  TextOptions text;
  text.model_dir = "minilm";
  const TextEncoder pretrained = LoadBertEncoder(text);
  const auto original = pretrained.model->named_parameters();
  const int64_t top = pretrained.config.num_hidden_layers - 1;
  int compared = 0;
  for (const auto& p : original) {
    const std::string name = "text_encoder." + p.key();
    ASSERT_TRUE(tuned.contains(name)) << name;
    const bool in_top = p.key().rfind("encoder.layer." + std::to_string(top) + ".", 0) == 0;
    const bool equal = torch::equal(tuned[name], p.value());
    if (in_top && p.key().find("dense.weight") != std::string::npos) {
      EXPECT_FALSE(equal) << name << " did not train";
    }
    if (!in_top) {
      EXPECT_TRUE(equal) << name << " is frozen but changed";
    }
    ++compared;
  }
  EXPECT_GT(compared, 90);

  const auto ev =
      RunCommand(Merhan("eval --checkpoint " + Quote(ckpt) + " --output " + Quote(dir_->File("ft_eval.json"))));
  ASSERT_EQ(ev.exit_code, 0) << ev.output;
  EXPECT_NEAR(ReadJson(dir_->File("ft_eval.json"))["war"].get<double>(),
              ReadJson(run + "/fold-0/seed-1/test_metrics.json")["test"]["war"].get<double>(), 1e-12);
  std::string wav;
  for (const auto& e : fs::recursive_directory_iterator(dir_->File("corpus"))) {
    if (e.path().extension() == ".wav") {
      wav = e.path().string();
      break;
    }
  }
  const auto pr = RunCommand(Merhan("--log-level warn predict --checkpoint " + Quote(ckpt) + " --wav " + Quote(wav) +
                                    " --text 'I am so happy about this!'"));
  ASSERT_EQ(pr.exit_code, 0) << pr.output;
  EXPECT_NE(pr.output.find("\"probabilities\""), std::string::npos) << pr.output;

  // Types that cannot fine-tune say why.
  const auto bad =
      RunCommand(Merhan("train --config " + Quote(dir_->File("e2e.json")) +
                        " --set text.trainable_layers=1 --set model.type=early_fusion --set audio.cmvn=none"));
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("text.trainable_layers"), std::string::npos) << bad.output;
}

TEST_F(EndToEnd, CalibrationIntervalsSpeakersAndCompare) {
  const std::string a = Train("stats_a");
  const std::string b = Train("stats_b", "--set train.lr=3e-3");
  // Summaries: intervals, calibration before/after, per-speaker table, transcript overlap.
  const nlohmann::json s = ReadJson(a + "/summary.json");
  for (const char* m : {"war", "uar", "macro_f1"}) {
    const double mean = s["mean_std"][m]["mean"].get<double>();
    EXPECT_NEAR(s["intervals"][m]["estimate"].get<double>(), mean, 1e-6) << m;
    EXPECT_LE(s["intervals"][m]["low"].get<double>(), mean) << m;
    EXPECT_GE(s["intervals"][m]["high"].get<double>(), mean) << m;
  }
  ASSERT_TRUE(s["calibration"].contains("runs")) << s["calibration"].dump();
  EXPECT_EQ(s["calibration"]["runs"].size(), 2u);
  ASSERT_TRUE(s["per_speaker"].contains("speakers")) << s["per_speaker"].dump();
  EXPECT_EQ(s["per_speaker"]["speakers"].size(), 4u) << "folds 0 and 1 test sessions 1 and 2";
  EXPECT_FALSE(s["per_speaker"]["worst_speaker"].get<std::string>().empty());
  EXPECT_EQ(s["per_speaker"]["genders"].size(), 2u);
  EXPECT_EQ(s["per_speaker"]["transcript_overlap"].size(), 2u);
  const std::string md = Slurp(a + "/summary.md");
  EXPECT_NE(md.find("95 % CI"), std::string::npos) << md;
  EXPECT_NE(md.find("Worst speaker"), std::string::npos) << md;
  EXPECT_NE(md.find("Transcript overlap"), std::string::npos) << md;
  const std::string html = Slurp(a + "/report.html");
  EXPECT_NE(html.find("Before scaling (pooled ECE"), std::string::npos);
  EXPECT_NE(html.find("Per test speaker and gender"), std::string::npos);

  // The temperature is in the checkpoint; eval and predict use it unless told not to.
  const std::string ckpt = a + "/fold-0/seed-1/best.ckpt";
  const double t = ReadJson(a + "/fold-0/seed-1/calibration.json")["temperature"].get<double>();
  const auto on =
      RunCommand(Merhan("--log-level warn eval --checkpoint " + Quote(ckpt) + " -o " + Quote(dir_->File("on.json"))));
  const auto off = RunCommand(Merhan("--log-level warn eval --no-calibration --checkpoint " + Quote(ckpt) + " -o " +
                                     Quote(dir_->File("off.json"))));
  ASSERT_EQ(on.exit_code, 0) << on.output;
  ASSERT_EQ(off.exit_code, 0) << off.output;
  const nlohmann::json jon = ReadJson(dir_->File("on.json")), joff = ReadJson(dir_->File("off.json"));
  EXPECT_DOUBLE_EQ(jon["calibration"]["temperature"].get<double>(), t);
  EXPECT_EQ(jon["calibration"]["applied"].get<bool>(), t != 1.0);
  EXPECT_FALSE(joff["calibration"]["applied"].get<bool>());
  EXPECT_EQ(jon["confusion"], joff["confusion"]) << "scaling never changes a label";
  EXPECT_NEAR(joff["loss"].get<double>(), ReadJson(a + "/fold-0/seed-1/test_metrics.json")["test_loss"].get<double>(),
              1e-9);

  // compare: two runs over the same folds.
  const auto cmp = RunCommand(Merhan("--log-level warn compare " + Quote(a) + " " + Quote(b) +
                                     " --bootstrap 200 --out " + Quote(dir_->File("cmp"))));
  ASSERT_EQ(cmp.exit_code, 0) << cmp.output;
  EXPECT_NE(cmp.output.find("## Paired differences to stats_a"), std::string::npos) << cmp.output;
  for (const char* f : {"compare.md", "compare.csv", "compare.json", "compare.html"}) {
    EXPECT_TRUE(fs::exists(dir_->File("cmp/") + f)) << f;
  }
  // Refusals: another class set is a usage error (2), a missing run a data error (3).
  fs::copy(b, dir_->File("other_classes"), fs::copy_options::recursive);
  nlohmann::json config = ReadJson(dir_->File("other_classes/config.json"));
  config["data"]["classes"] = {"neu", "hap", "ang", "fru"};
  std::ofstream(dir_->File("other_classes/config.json")) << config.dump(2);
  const auto refused = RunCommand(Merhan("compare " + Quote(a) + " " + Quote(dir_->File("other_classes"))));
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("different classes"), std::string::npos) << refused.output;
  const auto missing = RunCommand(Merhan("compare " + Quote(a) + " " + Quote(dir_->File("nowhere"))));
  EXPECT_EQ(missing.exit_code, 3) << missing.output;
  EXPECT_NE(missing.output.find("nowhere"), std::string::npos) << missing.output;
  const auto one = RunCommand(Merhan("compare " + Quote(a)));
  EXPECT_EQ(one.exit_code, 2) << one.output;
}

}  // namespace
}  // namespace merhan
