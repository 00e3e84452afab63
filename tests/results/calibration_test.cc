// Calibration of trained checkpoints (train/fold_calibration.h, runtime/temperature.h, results/calibration_summary.h):
// the fitted temperature is the one stats::FitTemperature finds on log-probabilities (itself checked against PyTorch
// LBFGS in tests/stats), it is stored in the checkpoint and calibration.json, it never changes a predicted label, and
// summaries report test ECE/NLL/Brier before and after it.
#include "merhan/results/calibration_summary.h"
#include "merhan/runtime/checkpoint.h"
#include "merhan/runtime/temperature.h"
#include "merhan/train/fold_calibration.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "fake_run_dir.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/config_registry.h"
#include "test_util.h"
#include "train_test_support.h"

namespace merhan {
namespace {
namespace fs = std::filesystem;
using testing::TempDir;

// Overconfident probabilities: softmax(3 z) where labels follow softmax(z).
EvaluationResult Overconfident(int n, int c, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto z = torch::randn({n, c}, gen) * 1.5;
  const auto labels = torch::multinomial(torch::softmax(z, 1), 1, false, gen).squeeze(1);
  EvaluationResult r;
  r.probabilities = torch::softmax(3 * z, 1).to(torch::kFloat32);
  for (int i = 0; i < n; ++i) {
    r.ids.push_back("u" + std::to_string(i));
    r.labels.push_back(labels[i].item<int64_t>());
    r.predictions.push_back(r.probabilities[i].argmax().item<int64_t>());
  }
  r.labels[5] = -1;  // unlabelled rows are left out of the fit
  return r;
}

TEST(Calibration, FitsOnLabelledValidationRowsAndLowersTheNll) {
  const EvaluationResult val = Overconfident(400, 4, 3);
  const FoldCalibration c = FitFoldCalibration(val, 4);
  EXPECT_EQ(c.count, 399);
  EXPECT_GT(c.temperature(), 1.5) << "overconfident by a factor of 3";
  EXPECT_LT(c.after.nll, c.before.nll);
  EXPECT_LT(c.after.ece, c.before.ece);
  // The same fit as the stats layer on log-probabilities.
  std::vector<double> p;
  std::vector<int64_t> y;
  const auto probs = val.probabilities.to(torch::kFloat64).contiguous();
  for (int i = 0; i < 400; ++i) {
    if (val.labels[i] < 0) continue;
    y.push_back(val.labels[i]);
    for (int k = 0; k < 4; ++k) p.push_back(probs[i][k].item<double>());
  }
  EXPECT_DOUBLE_EQ(c.temperature(), stats::FitTemperature(stats::LogitsFromProbabilities(p), y, 4).temperature);
}

TEST(Calibration, ADivergedModelKeepsTemperatureOne) {
  EvaluationResult val = Overconfident(50, 4, 4);
  val.probabilities[3][1] = std::nan("");
  const FoldCalibration c = FitFoldCalibration(val, 4);
  EXPECT_EQ(c.temperature(), 1.0);
  EXPECT_FALSE(c.note.empty());
}

TEST(Calibration, ScalingNeverChangesAPredictedLabel) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(9);
  const auto probs = torch::softmax(torch::randn({1000, 5}, gen) * 6, 1).to(torch::kFloat32);
  const auto before = probs.argmax(1);
  for (double t : {0.01, 0.3, 1.0, 2.5, 100.0}) {
    const auto scaled = ApplyTemperature(probs, t);
    EXPECT_TRUE(torch::equal(scaled.argmax(1), before)) << "T=" << t;
    EXPECT_TRUE(torch::allclose(scaled.sum(1), torch::ones({1000}), 1e-5, 1e-5));
  }
}

TEST(Calibration, StoredInTheCheckpointAndBesideIt) {
  TempDir dir;
  testing::TinyModel model(5, 4);
  CheckpointMeta meta;
  meta.kind = "best";
  meta.classes = {"neu", "hap", "ang", "sad"};
  meta.dims = {4, 5, 0};
  const std::string path = dir.File("best.ckpt");
  SaveCheckpoint(path, meta, *model);
  EXPECT_EQ(CheckpointTemperature(CheckpointReader(path).meta()), 1.0) << "none stored yet";
  const FoldCalibration c = FitFoldCalibration(Overconfident(200, 4, 5), 4);
  StoreCalibration(path, *model, c);
  CheckpointReader reader(path);
  EXPECT_DOUBLE_EQ(CheckpointTemperature(reader.meta()), c.temperature());
  EXPECT_EQ(reader.meta().calibration["fitted_on"], "validation");
  testing::TinyModel reloaded(5, 4);
  reader.LoadModel(*reloaded);  // the weights survive the re-save
  for (const auto& p : model->named_parameters()) {
    EXPECT_TRUE(torch::equal(p.value(), reloaded->named_parameters()[p.key()])) << p.key();
  }
  const auto side = ParseJson(ReadFileToString(dir.File("calibration.json")), "calibration.json");
  EXPECT_DOUBLE_EQ(side["temperature"].get<double>(), c.temperature());
}

TEST(Calibration, RunSummaryReportsTestMetricsBeforeAndAfter) {
  TempDir dir;
  const std::vector<std::string> classes = {"neu", "hap", "ang", "sad"};
  std::vector<testing::FakeFoldSeed> parts = {testing::MakeFoldSeed(0, 1, 80, 4, 0.45, 1),
                                              testing::MakeFoldSeed(1, 1, 90, 4, 0.45, 2)};
  testing::WriteFakeRun(dir.File("run"), "run", classes, parts);
  // The fake predictions say 0.7 for the predicted class while about 45 % are right:
  // overconfident, so a temperature above 1 (confidence about 0.55) helps.
  WriteStringAtomically(dir.File("run/fold-0/seed-1/calibration.json"), R"({"temperature": 1.6})");
  WriteStringAtomically(dir.File("run/fold-1/seed-1/calibration.json"), R"({"temperature": 1.4})");
  const auto s = SummariseRunCalibration(dir.File("run"), {{0, 1}, {1, 1}}, classes);
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["runs"].size(), 2u);
  EXPECT_LT(s["mean"]["after"]["ece"].get<double>(), s["mean"]["before"]["ece"].get<double>());
  EXPECT_EQ(s["pooled"]["count"].get<int64_t>(), 170);
  EXPECT_EQ(s["pooled"]["bins_before"].size(), 15u);
  EXPECT_NE(CalibrationMarkdown(s).find("after scaling"), std::string::npos);
  // No calibration.json anywhere: nothing to say.
  fs::remove(dir.File("run/fold-0/seed-1/calibration.json"));
  fs::remove(dir.File("run/fold-1/seed-1/calibration.json"));
  EXPECT_TRUE(SummariseRunCalibration(dir.File("run"), {{0, 1}, {1, 1}}, classes).is_null());
}

}  // namespace
}  // namespace merhan
