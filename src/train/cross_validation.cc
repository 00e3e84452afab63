#include "merhan/text/tokenizer.h"
#include "merhan/train/cross_validation.h"

#include <filesystem>
#include <optional>
#include <iostream>

#include "merhan/train/calibration.h"
#include "merhan/train/checkpoint.h"
#include "merhan/train/device.h"
#include "merhan/train/environment.h"
#include "merhan/train/inference.h"
#include "merhan/train/run_directory.h"
#include "merhan/train/run_merge.h"
#include "merhan/train/trainer.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/config_registry.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;

ExperimentConfig LoadRunConfig(const std::string& run_dir) {
  const std::string path = run_dir + "/config.json";
  if (!fs::is_directory(run_dir)) throw DataError("run directory " + run_dir + " does not exist");
  return ExperimentConfig::FromJson(ParseJson(ReadFileToString(path), path), path);
}

std::string RunCrossValidation(const ExperimentConfig& config, const std::vector<std::string>& argv,
                               const std::string& resume_dir) {
  ExperimentConfig effective = config;
  if (!resume_dir.empty()) {
    effective = LoadRunConfig(resume_dir);
    ExperimentConfig given_without_folds = config, stored_without_folds = effective;
    given_without_folds.run.folds.clear();
    stored_without_folds.run.folds.clear();
    if (given_without_folds.ToJson() != stored_without_folds.ToJson()) {
      log::Warn("--resume: the run directory's config.json differs from the given config; using the run's own");
    }
    effective.run.folds = config.run.folds;  // --fold still selects
  }
  // Data-parallel (torchrun, Slurm): rank 0 extracts the features, then the
  // others read them from the cache.
  const DistributedContext distributed = DistributedContext::FromEnvironment(ResolveDevice(effective.train.device));
  if (distributed.group && !distributed.IsWriter()) distributed.group->ShareFromRank0("features", "");
  const CrossValidationPlan plan = MakeCrossValidationPlan(effective);
  if (distributed.group && distributed.IsWriter()) distributed.group->ShareFromRank0("features", "ready");
  std::string run_dir;
  RunCrossValidation(effective, plan, argv, resume_dir, &run_dir, distributed);
  return run_dir;
}

namespace {

std::vector<int> SelectedFolds(const ExperimentConfig& config, const CrossValidationPlan& plan) {
  std::vector<int> folds = config.run.folds;
  if (folds.empty()) {
    for (int k = 0; k < plan.num_folds; ++k) folds.push_back(k);
  }
  for (int k : folds) {
    if (k < 0 || k >= plan.num_folds) {
      throw UsageError(Cat("run.folds: fold ", k, " does not exist; protocol ", config.data.protocol, " has ",
                           plan.num_folds, " folds (0..", plan.num_folds - 1, ")"));
    }
  }
  return folds;
}

std::string FoldName(const CrossValidationPlan& plan, int fold) {
  return fold < static_cast<int>(plan.fold_names.size()) ? plan.fold_names[fold] : "";
}

}  // namespace

RunSummary RunCrossValidation(const ExperimentConfig& config, const CrossValidationPlan& plan,
                              const std::vector<std::string>& argv, const std::string& resume_dir,
                              std::string* run_dir_out, const DistributedContext& distributed) {
  if (!plan.provider) throw InternalError("cross-validation plan without a fold provider");
  if (static_cast<int>(plan.classes.size()) != plan.dims.num_classes) {
    throw InternalError(Cat("cross-validation plan: ", plan.classes.size(), " class names but dims.num_classes ",
                            plan.dims.num_classes));
  }
  const std::vector<int> folds = SelectedFolds(config, plan);
  const bool resume = !resume_dir.empty();
  // Before environment.json records it; feature extraction may have run on workers.
  const int local_ranks = distributed.launch.local_world_size;  // they share this node's cores (T8)
  const int threads = ApplyTorchThreads(config.run.threads, local_ranks);
  // Data-parallel: rank 0 alone writes (docs/design.md "Data-parallel training").
  const bool writer = distributed.IsWriter();
  std::string run_dir = resume ? resume_dir : writer ? RunDirectory::Create(config, argv).path : "";
  if (distributed.group && !resume) run_dir = distributed.group->ShareFromRank0("run_dir", run_dir);
  if (run_dir_out) *run_dir_out = run_dir;
  if (!resume && plan.describe_run && writer) plan.describe_run(run_dir);
  log::Info((resume ? "resuming run directory " : "run directory ") + run_dir);
  const torch::Device device = distributed.group ? distributed.group->device() : ResolveDevice(config.train.device);
  log::Info(Cat("device ", device.str(), Bf16Autocast(config.train, device) ? " (bf16 autocast)" : "",
                ", ", threads, " intra-op thread(s)"));

  if (device.is_cpu() && config.train.cpu_bf16 && !CpuHasNativeBf16()) {
    log::Warn("train.cpu_bf16: this CPU has neither AVX512-BF16 nor AMX-BF16; training in fp32");
  }
  const nlohmann::json config_json = config.ToJson();
  nlohmann::json text_encoder = nullptr;  // fingerprinted once, for models that read text
  bool fingerprinted = false;

  for (int seed : config.run.seeds) {
    for (int fold : folds) {
      const std::string dir = FoldSeedDir(run_dir, fold, seed);
      // Jobs may share the run directory (--run-dir); data-parallel ranks share
      // the pair, and rank 0 holds its lock.
      std::optional<FileLock> pair_lock;
      if (writer) {
        CreateDirectories(dir);
        pair_lock.emplace(LockFoldSeed(dir));
      }
      const std::string done = dir + "/done.json";
      if (resume && fs::exists(done)) {
        log::Info(Cat("fold ", fold, " seed ", seed, ": already done, skipped"));
        continue;
      }
      log::Info(Cat("fold ", fold, " (", FoldName(plan, fold), ") seed ", seed, ": preparing data"));
      // Model initialisation depends only on the seed; resuming restores the
      // generator state saved in last.ckpt on top of this.
      torch::manual_seed(static_cast<uint64_t>(seed));
      FoldData data = plan.provider(fold, seed);
      if (!data.train || !data.val || !data.test) {
        throw InternalError(Cat("fold provider returned a fold without train/val/test for fold ", fold));
      }
      EmotionModel model = plan.make_model ? plan.make_model(plan.dims) : BuildExperimentModel(config, plan.dims);
      if (model->NeedsInputStatistics()) {
        if (!data.input_statistics) throw InternalError("the model needs input statistics but the fold has none");
        model->SetInputStatistics(data.input_statistics());
      }
      if (!fingerprinted) {
        if (model->UsesText() && !config.text.model_dir.empty()) {
          text_encoder = TextEncoderFingerprint(ResolveModelDir(config.text.model_dir));
        }
        fingerprinted = true;
      }
      CheckpointMeta meta;
      meta.config = config_json;
      meta.classes = plan.classes;
      meta.dims = plan.dims;
      meta.fold = fold;
      meta.fold_name = data.name.empty() ? FoldName(plan, fold) : data.name;
      meta.seed = seed;
      meta.text_encoder = text_encoder;
      meta.stream_normalization = data.stream_normalization;

      Trainer trainer(config.train, model, device, SplitParameters(*model), meta, distributed);
      if (config.train.class_weights == "balanced") {
        if (data.train_class_counts.size() != plan.classes.size()) {
          throw InternalError("train.class_weights=balanced needs the fold's per-class training counts");
        }
        trainer.SetClassWeights(BalancedClassWeights(data.train_class_counts));
      }
      ApplyTorchThreads(config.run.threads, local_ranks);  // input statistics may have run batch workers
      const FitResult fit = trainer.Fit(*data.train, *data.val, dir, resume);
      if (config.analysis.calibration) {  // on the best weights, from validation only
        const auto calibration = FitFoldCalibration(trainer.Evaluate(*data.val), plan.dims.num_classes);
        if (writer) StoreCalibration(dir + "/" + Trainer::kBestCheckpoint, *model, calibration);
      }

      // The best weights are back in the model: the one and only look at test.
      const EvaluationResult test = trainer.Evaluate(*data.test);
      FoldOutcome outcome;
      outcome.fold = fold;
      outcome.fold_name = meta.fold_name;
      outcome.seed = seed;
      outcome.best_epoch = fit.best_epoch;
      outcome.epochs_run = fit.epochs_run;
      outcome.test_loss = test.loss;
      outcome.test = test.Metrics(plan.dims.num_classes);
      if (writer) {
        WriteStringAtomically(dir + "/predictions.csv", test.PredictionsCsv(plan.classes));
        WriteStringAtomically(dir + "/test_metrics.json", outcome.ToJson(plan.classes).dump(2) + "\n");
        WriteStringAtomically(done, nlohmann::json({{"fold", fold}, {"seed", seed}}).dump() + "\n");
      }
      log::Info(Cat("fold ", fold, " seed ", seed, ": test WAR ", outcome.test.war, ", UAR ", outcome.test.uar,
                    ", macro-F1 ", outcome.test.macro_f1, " (best epoch ", fit.best_epoch + 1, " of ",
                    fit.epochs_run, ")"));
    }
  }

  if (!writer) return RunSummary{};  // rank 0 merges and writes
  // Every finished pair of the run directory, this process's and other jobs' alike.
  const MergedRun merged = MergeRun(run_dir, config);
  const RunSummary& summary = merged.summary;
  if (!merged.pending.empty()) log::Info("not finished yet in " + run_dir + ":\n" + PendingText(merged.pending));
  std::cout << summary.ToMarkdown() << std::flush;
  log::Info("summary written to " + run_dir + "/summary.{json,csv,md}, report " + run_dir + "/report.html");
  return summary;
}

}  // namespace merhan
