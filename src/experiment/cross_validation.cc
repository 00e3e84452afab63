#include "merhan/experiment/cross_validation.h"

#include <filesystem>
#include <optional>

#include "merhan/experiment/run_config.h"
#include "merhan/experiment/run_directory.h"
#include "merhan/experiment/run_merge.h"
#include "merhan/nn/layer_mix.h"
#include "merhan/runtime/checkpoint.h"
#include "merhan/runtime/device.h"
#include "merhan/runtime/environment.h"
#include "merhan/runtime/experiment_model.h"
#include "merhan/runtime/speech_encoder_record.h"
#include "merhan/text/tokenizer.h"
#include "merhan/train/fold_calibration.h"
#include "merhan/train/trainer.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/config_registry.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;

CrossValidationRun RunCrossValidation(const ExperimentConfig& config, const std::vector<std::string>& argv,
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
  CrossValidationRun run;
  run.summary = RunCrossValidation(effective, plan, argv, resume_dir, &run.run_dir, distributed);
  run.merged = distributed.IsWriter();
  return run;
}

namespace {

std::vector<int> SelectedFolds(const ExperimentConfig& config, const CrossValidationPlan& plan) {
  std::vector<int> folds = config.run.folds;
  if (folds.empty()) {
    for (int k = 0; k < plan.num_folds; ++k) folds.push_back(k);
  }
  for (int k : folds) {
    if (k < 0 || k >= plan.num_folds) {
      throw UsageError(Cat("run.folds: fold ", k, " does not exist; protocol ", config.data.EffectiveProtocol(), " has ",
                           plan.num_folds, " folds (0..", plan.num_folds - 1, ")"));
    }
  }
  return folds;
}

std::string FoldName(const CrossValidationPlan& plan, int fold) {
  return fold < static_cast<int>(plan.fold_names.size()) ? plan.fold_names[fold] : "";
}

void CheckPlan(const CrossValidationPlan& plan) {
  if (!plan.provider) throw InternalError("cross-validation plan without a fold provider");
  if (static_cast<int>(plan.classes.size()) != plan.dims.num_classes) {
    throw InternalError(Cat("cross-validation plan: ", plan.classes.size(), " class names but dims.num_classes ",
                            plan.dims.num_classes));
  }
}

// What every (fold, seed) of one run shares.
struct RunState {
  const ExperimentConfig& config;
  const CrossValidationPlan& plan;
  const DistributedContext& distributed;
  std::string run_dir;
  bool resume = false;
  bool writer = false;  // data-parallel: rank 0 alone writes (docs/design.md "Data-parallel training")
  int local_ranks = 1;  // ranks sharing this node's cores (T8)
  torch::Device device = torch::kCPU;
  nlohmann::json config_json;
  std::optional<nlohmann::json> text_encoder;  // fingerprinted once, for models that read text
  std::optional<nlohmann::json> speech_encoders;  // fingerprinted once (SpeechEncoderRecord)
};

// Creates (or, resuming, takes) the run directory and says where and how the run trains.
void OpenRun(RunState* run, const std::vector<std::string>& argv, const std::string& resume_dir) {
  const ExperimentConfig& config = run->config;
  // Before environment.json records it; feature extraction may have run on workers.
  const int threads = ApplyTorchThreads(config.run.threads, run->local_ranks);
  run->run_dir = run->resume ? resume_dir : run->writer ? RunDirectory::Create(config, argv).path : "";
  if (run->distributed.group && !run->resume)
    run->run_dir = run->distributed.group->ShareFromRank0("run_dir", run->run_dir);
  if (!run->resume && run->plan.describe_run && run->writer) run->plan.describe_run(run->run_dir);
  log::Info((run->resume ? "resuming run directory " : "run directory ") + run->run_dir);
  run->device = run->distributed.group ? run->distributed.group->device() : ResolveDevice(config.train.device);
  log::Info(Cat("device ", run->device.str(), Bf16Autocast(config.train, run->device) ? " (bf16 autocast)" : "", ", ",
                threads, " intra-op thread(s)"));
  if (run->device.is_cpu() && config.train.cpu_bf16 && !CpuHasNativeBf16()) {
    log::Warn("train.cpu_bf16: this CPU has neither AVX512-BF16 nor AMX-BF16; training in fp32");
  }
}

// A fresh model for the fold (torch seeded by the caller), with the fold's input statistics.
EmotionModel BuildFoldModel(const RunState& run, const FoldData& data) {
  EmotionModel model =
      run.plan.make_model ? run.plan.make_model(run.plan.dims) : BuildExperimentModel(run.config, run.plan.dims);
  if (model->NeedsInputStatistics()) {
    if (!data.input_statistics) throw InternalError("the model needs input statistics but the fold has none");
    model->SetInputStatistics(data.input_statistics());
  }
  return model;
}

CheckpointMeta FoldMeta(RunState* run, const EmotionModel& model, const FoldData& data, int fold, int seed) {
  if (!run->text_encoder) {
    run->text_encoder = model->UsesText() && !run->config.text.model_dir.empty()
                            ? TextEncoderFingerprint(ResolveModelDir(run->config.text.model_dir))
                            : nlohmann::json(nullptr);
  }
  if (!run->speech_encoders) run->speech_encoders = SpeechEncoderRecord(run->config);
  CheckpointMeta meta;
  meta.config = run->config_json;
  meta.classes = run->plan.classes;
  meta.dims = run->plan.dims;
  meta.fold = fold;
  meta.fold_name = data.name.empty() ? FoldName(run->plan, fold) : data.name;
  meta.seed = seed;
  meta.text_encoder = *run->text_encoder;
  meta.speech_encoders = *run->speech_encoders;
  meta.stream_normalization = data.stream_normalization;
  return meta;
}

FoldOutcome OutcomeOf(const FitResult& fit, const EvaluationResult& test, const CheckpointMeta& meta, int num_classes) {
  FoldOutcome outcome;
  outcome.fold = meta.fold;
  outcome.fold_name = meta.fold_name;
  outcome.seed = meta.seed;
  outcome.best_epoch = fit.best_epoch;
  outcome.epochs_run = fit.epochs_run;
  outcome.test_loss = test.loss;
  outcome.test = test.Metrics(num_classes);
  return outcome;
}

// Trains one (fold, seed) in `dir`, calibrates on validation, tests once and
// writes the pair's results (rank 0).
void TrainFoldSeed(RunState* run, int fold, int seed, const std::string& dir) {
  const ExperimentConfig& config = run->config;
  log::Info(Cat("fold ", fold, " (", FoldName(run->plan, fold), ") seed ", seed, ": preparing data"));
  // Model initialisation depends only on the seed; resuming restores the
  // generator state saved in last.ckpt on top of this.
  torch::manual_seed(static_cast<uint64_t>(seed));
  FoldData data = run->plan.provider(fold, seed);
  if (!data.train || !data.val || !data.test) {
    throw InternalError(Cat("fold provider returned a fold without train/val/test for fold ", fold));
  }
  EmotionModel model = BuildFoldModel(*run, data);
  const CheckpointMeta meta = FoldMeta(run, model, data, fold, seed);
  Trainer trainer(config.train, model, run->device, SplitParameters(*model), meta, run->distributed);
  if (config.train.class_weights == "balanced") {
    if (data.train_class_counts.size() != run->plan.classes.size()) {
      throw InternalError("train.class_weights=balanced needs the fold's per-class training counts");
    }
    trainer.SetClassWeights(BalancedClassWeights(data.train_class_counts));
  }
  ApplyTorchThreads(config.run.threads, run->local_ranks);  // input statistics may have run batch workers
  const FitResult fit = trainer.Fit(*data.train, *data.val, dir, run->resume);
  if (config.analysis.calibration) {  // on the best weights, from validation only
    const auto calibration = FitFoldCalibration(trainer.Evaluate(*data.val), run->plan.dims.num_classes);
    if (run->writer) StoreCalibration(dir + "/" + Trainer::kBestCheckpoint, *model, calibration);
  }
  // The best weights are back in the model: the one and only look at test.
  const EvaluationResult test = trainer.Evaluate(*data.test);
  FoldOutcome outcome = OutcomeOf(fit, test, meta, run->plan.dims.num_classes);
  outcome.layer_weights = LayerMixWeights(*model);
  if (run->writer) {
    WriteStringAtomically(dir + "/predictions.csv", test.PredictionsCsv(run->plan.classes));
    WriteStringAtomically(dir + "/test_metrics.json", outcome.ToJson(run->plan.classes).dump(2) + "\n");
    WriteStringAtomically(dir + "/done.json", nlohmann::json({{"fold", fold}, {"seed", seed}}).dump() + "\n");
  }
  log::Info(Cat("fold ", fold, " seed ", seed, ": test WAR ", outcome.test.war, ", UAR ", outcome.test.uar,
                ", macro-F1 ", outcome.test.macro_f1, " (best epoch ", fit.best_epoch + 1, " of ", fit.epochs_run,
                ")"));
}

// Every finished pair of the run directory, this process's and other jobs' alike.
RunSummary MergeFinishedPairs(const RunState& run) {
  const MergedRun merged = MergeRun(run.run_dir, run.config);
  if (!merged.pending.empty()) log::Info("not finished yet in " + run.run_dir + ":\n" + PendingText(merged.pending));
  log::Info("summary written to " + run.run_dir + "/summary.{json,csv,md}, report " + run.run_dir + "/report.html");
  return merged.summary;
}

}  // namespace

RunSummary RunCrossValidation(const ExperimentConfig& config, const CrossValidationPlan& plan,
                              const std::vector<std::string>& argv, const std::string& resume_dir,
                              std::string* run_dir_out, const DistributedContext& distributed) {
  CheckPlan(plan);
  const std::vector<int> folds = SelectedFolds(config, plan);
  RunState run{config, plan, distributed};
  run.resume = !resume_dir.empty();
  run.writer = distributed.IsWriter();
  run.local_ranks = distributed.launch.local_world_size;
  run.config_json = config.ToJson();
  OpenRun(&run, argv, resume_dir);
  if (run_dir_out) *run_dir_out = run.run_dir;
  for (int seed : config.run.seeds) {
    for (int fold : folds) {
      const std::string dir = FoldSeedDir(run.run_dir, fold, seed);
      // Jobs may share the run directory (--run-dir); data-parallel ranks share
      // the pair, and rank 0 holds its lock.
      std::optional<FileLock> pair_lock;
      if (run.writer) {
        CreateDirectories(dir);
        pair_lock.emplace(LockFoldSeed(dir));
      }
      if (run.resume && fs::exists(dir + "/done.json")) {
        log::Info(Cat("fold ", fold, " seed ", seed, ": already done, skipped"));
        continue;
      }
      TrainFoldSeed(&run, fold, seed, dir);
    }
  }
  if (!run.writer) return RunSummary{};  // rank 0 merges and writes
  return MergeFinishedPairs(run);
}

}  // namespace merhan
