#include "merhan/train/trainer.h"

#include <gtest/gtest.h>

#include <ATen/Parallel.h>

#include <filesystem>
#include <fstream>

#include "merhan/runtime/device.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "test_util.h"
#include "train_test_support.h"

namespace merhan {
namespace {
namespace fs = std::filesystem;
using testing::MakeExamples;
using testing::SyntheticSource;
using testing::TempDir;
using testing::TinyModel;

constexpr int kDim = 6;
constexpr int kClasses = 3;

TrainOptions SmallOptions() {
  TrainOptions o;
  o.lr = 0.02;
  o.epochs = 8;
  o.patience = 0;
  o.batch_size = 8;
  o.device = "cpu";
  o.bf16 = false;
  return o;
}

CheckpointMeta Meta() {
  CheckpointMeta m;
  m.config = {{"note", "test"}};
  m.classes = {"neu", "hap", "ang"};
  m.dims.num_classes = kClasses;
  m.dims.audio_dim = kDim;
  m.fold = 0;
  m.seed = 7;
  return m;
}

Trainer MakeTrainer(const TrainOptions& o, uint64_t init_seed = 7, double dropout = 0.3) {
  torch::manual_seed(init_seed);
  TinyModel model(kDim, kClasses, dropout);
  EmotionModel base = testing::AsEmotionModel(model);
  return Trainer(o, base, torch::kCPU, SplitParameters(*base), Meta());
}

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(Trainer, LearnsASeparableProblemAndWritesItsFiles) {
  TempDir dir;
  SyntheticSource train(MakeExamples(96, kDim, kClasses, 1), 8, true, 11);
  SyntheticSource val(MakeExamples(30, kDim, kClasses, 2, 2.0, "val"), 8, false);
  Trainer trainer = MakeTrainer(SmallOptions());
  const FitResult fit = trainer.Fit(train, val, dir.path());
  ASSERT_EQ(fit.history.size(), 8u);
  EXPECT_LT(fit.history.back().train_loss, 0.5 * fit.history.front().train_loss);
  EXPECT_GT(fit.history[static_cast<size_t>(fit.best_epoch)].val_uar, 0.9);
  EXPECT_FALSE(fit.stopped_early);
  // Exactly these files, no temp leftovers of the atomic writes.
  EXPECT_EQ(FilesIn(dir.path()), (std::vector<std::string>{"best.ckpt", "last.ckpt", "metrics.jsonl"}));
  const auto lines = testing::ReadJsonLines(dir.File("metrics.jsonl"));
  ASSERT_EQ(lines.size(), 8u);
  for (size_t e = 0; e < lines.size(); ++e) {
    EXPECT_EQ(lines[e]["epoch"].get<int>(), static_cast<int>(e));
    EXPECT_DOUBLE_EQ(lines[e]["val_uar"].get<double>(), fit.history[e].val_uar);
    EXPECT_DOUBLE_EQ(lines[e]["train_loss"].get<double>(), fit.history[e].train_loss);
  }
}

TEST(Trainer, EarlyStoppingStopsAfterPatienceAndReloadsTheBestWeights) {
  TempDir dir;
  // Validation labels are rotated relative to training: the better the model
  // fits training, the worse the validation loss, so epoch 0 stays the best.
  auto val_examples = MakeExamples(30, kDim, kClasses, 2, 2.0, "val");
  for (auto& e : val_examples) e.label = (e.label + 1) % kClasses;
  SyntheticSource train(MakeExamples(96, kDim, kClasses, 1), 8, true, 11);
  SyntheticSource val(val_examples, 8, false);
  TrainOptions o = SmallOptions();
  o.epochs = 30;
  o.patience = 3;
  Trainer trainer = MakeTrainer(o);
  const FitResult fit = trainer.Fit(train, val, dir.path());
  EXPECT_TRUE(fit.stopped_early);
  EXPECT_EQ(fit.epochs_run, fit.best_epoch + 1 + o.patience);
  EXPECT_LT(fit.epochs_run, o.epochs);
  EXPECT_TRUE(fit.history.at(static_cast<size_t>(fit.best_epoch)).improved);
  for (size_t e = static_cast<size_t>(fit.best_epoch) + 1; e < fit.history.size(); ++e) {
    EXPECT_FALSE(fit.history[e].improved) << "epoch " << e;
  }
  // The model now holds the best weights: same validation loss as at the best
  // epoch, and the same tensors as best.ckpt (not last.ckpt).
  const EvaluationResult again = trainer.Evaluate(val);
  EXPECT_DOUBLE_EQ(again.loss, fit.history[static_cast<size_t>(fit.best_epoch)].val_loss);
  TinyModel best(kDim, kClasses), last(kDim, kClasses);
  CheckpointReader(dir.File("best.ckpt")).LoadModel(*best);
  CheckpointReader(dir.File("last.ckpt")).LoadModel(*last);
  const auto current = trainer.model()->parameters();
  const auto best_p = best->parameters(), last_p = last->parameters();
  bool differs_from_last = false;
  for (size_t i = 0; i < current.size(); ++i) {
    EXPECT_TRUE(torch::equal(current[i], best_p[i]));
    differs_from_last |= !torch::equal(current[i], last_p[i]);
  }
  EXPECT_TRUE(differs_from_last);
  EXPECT_EQ(CheckpointReader(dir.File("best.ckpt")).meta().epoch, fit.best_epoch);
}

TEST(Trainer, MonitorValUarSelectsOnUar) {
  TempDir dir;
  SyntheticSource train(MakeExamples(60, kDim, kClasses, 1), 8, true, 3);
  SyntheticSource val(MakeExamples(30, kDim, kClasses, 2, 2.0, "val"), 8, false);
  TrainOptions o = SmallOptions();
  o.monitor = "val_uar";
  o.epochs = 5;
  const FitResult fit = MakeTrainer(o).Fit(train, val, dir.path());
  double best = -1;
  int best_epoch = -1;
  for (const auto& r : fit.history)
    if (r.val_uar > best) best = r.val_uar, best_epoch = r.epoch;
  EXPECT_EQ(fit.best_epoch, best_epoch);
  EXPECT_DOUBLE_EQ(fit.best_value, best);
}

TEST(Trainer, NonFiniteLossNamesEpochBatchAndUtterances) {
  TempDir dir;
  auto examples = MakeExamples(40, kDim, kClasses, 1);
  examples[13].audio[0][0] = std::numeric_limits<float>::quiet_NaN();
  SyntheticSource train(examples, 8, false);  // fixed order: utt13 is in batch 1
  SyntheticSource val(MakeExamples(12, kDim, kClasses, 2, 2.0, "val"), 8, false);
  Trainer trainer = MakeTrainer(SmallOptions());
  try {
    trainer.Fit(train, val, dir.path());
    FAIL() << "expected a DataError";
  } catch (const DataError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("epoch 1"), std::string::npos) << what;
    EXPECT_NE(what.find("batch 1 "), std::string::npos) << what;
    EXPECT_NE(what.find("utt13"), std::string::npos) << what;
  }
}

TEST(Trainer, ResumeReproducesTheUninterruptedRunBitForBit) {
  TrainOptions o = SmallOptions();
  o.epochs = 4;
  o.schedule = "cosine";
  o.grad_clip = 1.0;
  o.optimizer = "adamw";
  o.weight_decay = 0.01;
  const auto train_examples = MakeExamples(64, kDim, kClasses, 1, 1.0);
  const auto val_examples = MakeExamples(24, kDim, kClasses, 2, 1.0, "val");

  TempDir full_dir;
  SyntheticSource train_a(train_examples, 8, true, 5), val_a(val_examples, 8, false);
  Trainer full = MakeTrainer(o);
  const FitResult a = full.Fit(train_a, val_a, full_dir.path());

  TempDir split_dir;
  {
    SyntheticSource train_b(train_examples, 8, true, 5), val_b(val_examples, 8, false);
    // A crash in the middle of epoch 3 (index 2), after three of its steps.
    Trainer first = MakeTrainer(o);
    SyntheticSource* src = &train_b;
    class CrashingSource : public BatchSource {
     public:
      explicit CrashingSource(SyntheticSource* s) : s_(s) {}
      void SetShard(int r, int w) override { s_->SetShard(r, w); }
      int64_t NumBatches(int e) const override { return s_->NumBatches(e); }
      int64_t NumUtterances() const override { return s_->NumUtterances(); }
      void ForEachBatch(int epoch, const std::function<void(const Batch&)>& visit) override {
        int k = 0;
        s_->ForEachBatch(epoch, [&](const Batch& b) {
          if (epoch == 2 && k++ == 3) throw std::runtime_error("simulated crash");
          visit(b);
        });
      }

     private:
      SyntheticSource* s_;
    } crashing(src);
    EXPECT_THROW(first.Fit(crashing, val_b, split_dir.path()), std::runtime_error);
    EXPECT_EQ(testing::ReadJsonLines(split_dir.File("metrics.jsonl")).size(), 2u);
  }
  // A new process: different initial weights and RNG state, restored from last.ckpt.
  SyntheticSource train_c(train_examples, 8, true, 5), val_c(val_examples, 8, false);
  Trainer resumed = MakeTrainer(o, /*init_seed=*/12345);
  torch::rand({17});  // disturb the generator further
  const FitResult b = resumed.Fit(train_c, val_c, split_dir.path(), /*resume=*/true);

  ASSERT_EQ(a.history.size(), b.history.size());
  for (size_t e = 0; e < a.history.size(); ++e) {
    EXPECT_EQ(a.history[e].train_loss, b.history[e].train_loss) << "epoch " << e;  // exact, not near
    EXPECT_EQ(a.history[e].val_loss, b.history[e].val_loss) << "epoch " << e;
    EXPECT_EQ(a.history[e].val_uar, b.history[e].val_uar) << "epoch " << e;
    EXPECT_EQ(a.history[e].lr, b.history[e].lr) << "epoch " << e;
    EXPECT_EQ(a.history[e].improved, b.history[e].improved) << "epoch " << e;
  }
  EXPECT_EQ(a.best_epoch, b.best_epoch);
  const auto pa = full.model()->parameters(), pb = resumed.model()->parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i])) << "parameter " << i;
  // And the last weights (after epoch 4) too.
  TinyModel last_a(kDim, kClasses), last_b(kDim, kClasses);
  CheckpointReader(full_dir.File("last.ckpt")).LoadModel(*last_a);
  CheckpointReader(split_dir.File("last.ckpt")).LoadModel(*last_b);
  const auto la = last_a->parameters(), lb = last_b->parameters();
  for (size_t i = 0; i < la.size(); ++i) EXPECT_TRUE(torch::equal(la[i], lb[i])) << "parameter " << i;
  EXPECT_EQ(testing::ReadJsonLines(split_dir.File("metrics.jsonl")).size(), 4u);
}

TEST(Trainer, ResumingAFinishedFitTrainsNoMore) {
  TempDir dir;
  TrainOptions o = SmallOptions();
  o.epochs = 2;
  SyntheticSource train(MakeExamples(32, kDim, kClasses, 1), 8, true, 5);
  SyntheticSource val(MakeExamples(12, kDim, kClasses, 2, 2.0, "val"), 8, false);
  const FitResult a = MakeTrainer(o).Fit(train, val, dir.path());
  const int passes = train.passes;
  const FitResult b = MakeTrainer(o, 99).Fit(train, val, dir.path(), true);
  EXPECT_EQ(train.passes, passes);
  EXPECT_EQ(b.history.size(), a.history.size());
  EXPECT_EQ(b.best_epoch, a.best_epoch);
}

TEST(Trainer, TwoLearningRatesForTextEncoderAndTheRest) {
  // A module named text_encoder gets train.text_lr.
  struct WithText : torch::nn::Module {
    WithText() {
      register_module("text_encoder", torch::nn::Linear(2, 2));
      register_module("head", torch::nn::Linear(2, 2));
      auto frozen = register_module("frozen", torch::nn::Linear(2, 2));
      for (auto& p : frozen->parameters()) p.set_requires_grad(false);
    }
  } m;
  const ParameterGroups g = SplitParameters(m);
  EXPECT_EQ(g.text_encoder.size(), 2u);
  EXPECT_EQ(g.main.size(), 2u);
}

TEST(Trainer, BalancedClassWeightsMatchSklearn) {
  // sklearn.utils.class_weight.compute_class_weight("balanced", classes=[0,1,2], y) with counts 10, 30, 0
  // is n / (k * count) = 40 / (3 * 10), 40 / (3 * 30); the empty class gets 0 here.
  const auto w = BalancedClassWeights({10, 30, 0});
  EXPECT_FLOAT_EQ(w[0].item<float>(), 40.0f / 30.0f);
  EXPECT_FLOAT_EQ(w[1].item<float>(), 40.0f / 90.0f);
  EXPECT_FLOAT_EQ(w[2].item<float>(), 0.0f);
}

TEST(EarlyStoppingTest, CountsEpochsWithoutImprovement) {
  EarlyStopping loss("val_loss", 2);
  EXPECT_TRUE(loss.Update(0, 1.0));
  EXPECT_FALSE(loss.Update(1, 1.0));  // equal is not better
  EXPECT_FALSE(loss.ShouldStop());
  EXPECT_TRUE(loss.Update(2, 0.5));
  EXPECT_FALSE(loss.Update(3, std::nan("")));
  EXPECT_FALSE(loss.Update(4, 0.7));
  EXPECT_TRUE(loss.ShouldStop());
  EXPECT_EQ(loss.best_epoch(), 2);
  EarlyStopping restored("val_loss", 2);
  restored.RestoreFrom(loss.ToJson());
  EXPECT_EQ(restored.best_epoch(), 2);
  EXPECT_DOUBLE_EQ(restored.best(), 0.5);
  EXPECT_TRUE(restored.ShouldStop());
  EarlyStopping uar("val_uar", 0);
  EXPECT_TRUE(uar.Update(0, 0.3));
  EXPECT_TRUE(uar.Update(1, 0.4));
  for (int e = 2; e < 50; ++e) uar.Update(e, 0.1);
  EXPECT_FALSE(uar.ShouldStop());  // patience 0 never stops
  EXPECT_THROW(EarlyStopping("val_war", 1), UsageError);
}

TEST(LearningRateScheduleTest, CosineAndPlateau) {
  TrainOptions o;
  o.epochs = 4;
  o.schedule = "cosine";
  LearningRateSchedule cosine(o);
  // torch.optim.lr_scheduler.CosineAnnealingLR(T_max=4, eta_min=0): 1, 0.8536, 0.5, 0.1464
  EXPECT_DOUBLE_EQ(cosine.Scale(0), 1.0);
  EXPECT_NEAR(cosine.Scale(1), 0.8535533905932737, 1e-12);
  EXPECT_NEAR(cosine.Scale(2), 0.5, 1e-12);
  EXPECT_NEAR(cosine.Scale(3), 0.14644660940672627, 1e-12);
  o.schedule = "plateau";
  o.plateau_patience = 1;
  o.plateau_factor = 0.5;
  LearningRateSchedule plateau(o);
  plateau.EndEpoch(1.0);
  plateau.EndEpoch(1.1);  // 1 bad epoch: not more than patience
  EXPECT_DOUBLE_EQ(plateau.Scale(2), 1.0);
  plateau.EndEpoch(1.2);  // 2 > 1: reduce
  EXPECT_DOUBLE_EQ(plateau.Scale(3), 0.5);
  LearningRateSchedule copy(o);
  copy.RestoreFrom(plateau.ToJson());
  EXPECT_DOUBLE_EQ(copy.Scale(4), 0.5);
  o.schedule = "none";
  EXPECT_DOUBLE_EQ(LearningRateSchedule(o).Scale(3), 1.0);
}

TEST(DeviceTest, ResolvesAndChecks) {
  EXPECT_EQ(ResolveDevice("cpu"), torch::Device(torch::kCPU));
  EXPECT_THROW(ResolveDevice("gpu"), UsageError);
  if (!torch::cuda::is_available()) {
    EXPECT_EQ(ResolveDevice("auto"), torch::Device(torch::kCPU));
    EXPECT_THROW(ResolveDevice("cuda:0"), UsageError);
  } else {
    EXPECT_TRUE(ResolveDevice("auto").is_cuda());
    EXPECT_THROW(ResolveDevice("cuda:99"), UsageError);
  }
  // On the CPU, train.cpu_bf16 applies only where bf16 is native (AVX512-BF16 or
  // AMX); train.bf16 is CUDA's.
  TrainOptions o;
  o.bf16 = true;
  o.cpu_bf16 = false;
  EXPECT_FALSE(Bf16Autocast(o, torch::kCPU));
  o.cpu_bf16 = true;
  EXPECT_EQ(Bf16Autocast(o, torch::kCPU), CpuHasNativeBf16());
  const auto a = torch::randn({4, 8}), b = torch::randn({8, 3});
  {
    AutocastGuard guard(torch::kCPU, true);
    EXPECT_TRUE(guard.active());
    EXPECT_EQ(torch::matmul(a, b).scalar_type(), torch::kBFloat16);
  }
  AutocastGuard off(torch::kCPU, false);
  EXPECT_FALSE(off.active());
  EXPECT_EQ(torch::matmul(a, b).scalar_type(), torch::kFloat32);  // the scope ended: state restored
}

// train.cpu_bf16 on a CPU that has native bf16: the model learns, its weights stay
// fp32, the epoch records say which threads ran, and resuming stays bit-exact.
TEST(Trainer, Bf16OnTheCpuLearnsKeepsFp32WeightsAndResumesExactly) {
  if (!CpuHasNativeBf16()) GTEST_SKIP() << "this CPU has neither AVX512-BF16 nor AMX-BF16";
  TrainOptions o = SmallOptions();
  o.cpu_bf16 = true;
  TempDir whole_dir, cut_dir;
  SyntheticSource train(MakeExamples(96, kDim, kClasses, 1), 8, true, 11);
  SyntheticSource val(MakeExamples(30, kDim, kClasses, 2, 2.0, "val"), 8, false);
  Trainer whole = MakeTrainer(o);
  const FitResult fit = whole.Fit(train, val, whole_dir.path());
  EXPECT_LT(fit.history.back().train_loss, 0.5 * fit.history.front().train_loss);
  EXPECT_GT(fit.history[static_cast<size_t>(fit.best_epoch)].val_uar, 0.9);
  for (const auto& p : whole.model()->parameters()) EXPECT_EQ(p.scalar_type(), torch::kFloat32);
  EXPECT_EQ(fit.history.front().threads, at::get_num_threads());
  // It really ran in bf16: the same run in fp32 gives another loss.
  TempDir fp32_dir;
  const FitResult fp32 = MakeTrainer(SmallOptions()).Fit(train, val, fp32_dir.path());
  EXPECT_NE(fit.history.front().train_loss, fp32.history.front().train_loss);
  EXPECT_NEAR(fit.history.front().train_loss, fp32.history.front().train_loss, 0.05);

  o.epochs = 5;
  MakeTrainer(o).Fit(train, val, cut_dir.path());
  o.epochs = 8;
  Trainer resumed = MakeTrainer(o, /*init_seed=*/99);  // resuming must not depend on the fresh init
  const FitResult rest = resumed.Fit(train, val, cut_dir.path(), /*resume=*/true);
  ASSERT_EQ(rest.history.size(), fit.history.size());
  EXPECT_EQ(rest.history.back().train_loss, fit.history.back().train_loss);
  const auto a = whole.model()->parameters(), b = resumed.model()->parameters();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << i;
}

TEST(EvaluationTest, ReorderPutsRowsInTheSplitsOrder) {
  EvaluationResult r;
  r.ids = {"c", "a", "x", "b"};
  r.labels = {2, 0, 1, 1};
  r.predictions = {2, 1, 0, 1};
  r.probabilities = torch::tensor({{0.1f, 0.2f, 0.7f}, {0.3f, 0.6f, 0.1f}, {0.8f, 0.1f, 0.1f}, {0.2f, 0.5f, 0.3f}});
  r.Reorder({"a", "b", "c"});  // "x" is not listed: it goes last
  EXPECT_EQ(r.ids, (std::vector<std::string>{"a", "b", "c", "x"}));
  EXPECT_EQ(r.labels, (std::vector<int64_t>{0, 1, 2, 1}));
  EXPECT_EQ(r.predictions, (std::vector<int64_t>{1, 1, 2, 0}));
  EXPECT_TRUE(torch::equal(r.probabilities[0], torch::tensor({0.3f, 0.6f, 0.1f})));
  EXPECT_TRUE(torch::equal(r.probabilities[3], torch::tensor({0.8f, 0.1f, 0.1f})));
}

TEST(EvaluationTest, PredictionsCsvHasEveryClassProbability) {
  EvaluationResult r;
  r.ids = {"a", "b,c"};
  r.labels = {0, -1};
  r.predictions = {1, 0};
  r.probabilities = torch::tensor({{0.25f, 0.75f}, {0.5f, 0.5f}});
  EXPECT_EQ(r.PredictionsCsv({"neu", "ang"}), "id,true,pred,p_neu,p_ang\na,neu,ang,0.25,0.75\n\"b,c\",,neu,0.5,0.5\n");
}

}  // namespace
}  // namespace merhan

namespace merhan {
namespace {

// These run only where LibTorch sees a GPU (skipped on the CPU-only CI).
TEST(CudaTest, AutocastGuardRunsMatmulsInBf16) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto a = torch::randn({8, 8}, torch::Device(torch::kCUDA, 0));
  {
    AutocastGuard guard(a.device(), true);
    EXPECT_TRUE(guard.active());
    EXPECT_EQ(torch::mm(a, a).scalar_type(), torch::kBFloat16);
  }
  EXPECT_EQ(torch::mm(a, a).scalar_type(), torch::kFloat32);  // restored
  {
    AutocastGuard off(a.device(), false);
    EXPECT_EQ(torch::mm(a, a).scalar_type(), torch::kFloat32);
  }
}

TEST(CudaTest, TrainsWithBf16AndResumesOnTheGpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  testing::TempDir dir;
  TrainOptions o;
  o.lr = 0.02;
  o.epochs = 4;
  o.device = "cuda";
  o.bf16 = true;
  const auto run = [&](int epochs, bool resume) {
    o.epochs = epochs;
    torch::manual_seed(7);
    testing::TinyModel model(6, 3);
    CheckpointMeta meta;
    meta.classes = {"a", "b", "c"};
    meta.dims = {3, 6, 0};
    Trainer trainer(o, testing::AsEmotionModel(model), ResolveDevice("cuda"), SplitParameters(*model), meta);
    testing::SyntheticSource train(testing::MakeExamples(96, 6, 3, 1), 8, true, 11);
    testing::SyntheticSource val(testing::MakeExamples(30, 6, 3, 2, 2.0, "val"), 8, false);
    return trainer.Fit(train, val, dir.path(), resume);
  };
  const FitResult first = run(4, false);
  EXPECT_LT(first.history.back().train_loss, first.history.front().train_loss);
  EXPECT_GT(first.history[static_cast<size_t>(first.best_epoch)].val_uar, 0.8);
  // Continue the finished run for 2 more epochs: optimiser state must land on the GPU.
  const FitResult more = run(6, true);
  EXPECT_EQ(more.history.size(), 6u);
}

}  // namespace
}  // namespace merhan
