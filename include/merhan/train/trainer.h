// Trains one model on one fold: epochs of optimisation, validation, early
// stopping on the validation split only, checkpoints, exact resume.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/dist/gradient_reducer.h"
#include "merhan/dist/process_group.h"
#include "merhan/nn/emotion_model.h"
#include "merhan/runtime/batch_source.h"
#include "merhan/runtime/checkpoint.h"
#include "merhan/runtime/evaluate_model.h"
#include "merhan/runtime/evaluation.h"
#include "merhan/runtime/train_options.h"
#include "merhan/train/early_stopping.h"
#include "merhan/train/epoch_record.h"
#include "merhan/train/lr_schedule.h"
#include "merhan/train/op_profile.h"
#include "merhan/util/interrupt.h"

namespace merhan {

// The optimiser's two learning rates: parameters whose name starts with
// `text_prefix` (the text encoder's unfrozen layers) get train.text_lr, every
// other trainable parameter train.lr. Frozen parameters are left out.
struct ParameterGroups {
  std::vector<torch::Tensor> main;
  std::vector<torch::Tensor> text_encoder;
  // Speech-encoder top layers trained in the model ("speech_top." in the name): train.audio_lr.
  std::vector<torch::Tensor> speech_encoder;
};
ParameterGroups SplitParameters(torch::nn::Module& model, const std::string& text_prefix = "text_encoder");

// sklearn's "balanced": n_samples / (n_classes * count_c); 0 for an empty class.
torch::Tensor BalancedClassWeights(const std::vector<int64_t>& counts);

// A training epoch in progress: what a stop request (SIGTERM, SIGINT) saves in
// last.ckpt so that resuming goes on with the next batch, bit for bit on the CPU.
struct EpochProgress {
  int epoch = -1;       // -1: no epoch in progress
  int64_t batches = 0;  // batches of `epoch` already trained
  double loss_sum = 0;  // loss * utterances over those batches, all ranks
  double utterances = 0;
  double audio_padded = 0, audio_total = 0, text_padded = 0, text_total = 0;  // this rank's
  nlohmann::json ToJson() const;
  static EpochProgress FromJson(const nlohmann::json& j);
};

struct FitResult {
  int best_epoch = -1;
  double best_value = 0;  // of train.monitor
  int epochs_run = 0;     // epochs finished, resumed ones included
  bool stopped_early = false;
  ClassificationReport best_val_metrics;
  std::vector<EpochRecord> history;
};

class Trainer {
 public:
  // `meta` is the template of every checkpoint this trainer writes (config,
  // classes, dims, fold, seed, text encoder); kind/epoch/metrics are filled in.
  // The model is moved to `device`.
  Trainer(TrainOptions options, EmotionModel model, torch::Device device, ParameterGroups groups, CheckpointMeta meta,
          DistributedContext distributed = {});

  // Cross-entropy class weights (C) for training; undefined = none.
  void SetClassWeights(torch::Tensor weights);

  // Trains until train.epochs or early stopping, writing into `dir`:
  // metrics.jsonl (a line per epoch), last.ckpt (every epoch) and best.ckpt
  // (when the monitored validation metric improves), each atomically: a full
  // disk is a DataError naming the file and leaves its previous version.
  // With `resume` and a last.ckpt in `dir`, continues from it exactly (on the
  // CPU: bit for bit). On return the model holds the best weights.
  // SIGTERM or SIGINT during Fit stops it after the current step: last.ckpt
  // then holds the epoch in progress and Fit throws Interrupted (exit 75).
  FitResult Fit(BatchSource& train, BatchSource& val, const std::string& dir, bool resume = false);

  // Probabilities, predictions and cross-entropy over `source` (eval mode, no
  // gradients, bf16 autocast on CUDA if enabled). DataError naming the batch
  // when a probability is not finite. Data-parallel: a collective (every rank
  // calls it; `source` is sharded here) whose result every rank gets.
  EvaluationResult Evaluate(BatchSource& source);

  EmotionModel model() const { return model_; }
  const torch::Device& device() const { return device_; }

  // Files written by Fit.
  static constexpr const char* kMetricsFile = "metrics.jsonl";
  static constexpr const char* kLastCheckpoint = "last.ckpt";
  static constexpr const char* kBestCheckpoint = "best.ckpt";

 private:
  // Fit's steps. StartOrResume returns the first epoch to train (0, or the one
  // after last.ckpt's) and rewrites metrics.jsonl to match.
  int StartOrResume(const std::string& dir, bool resume, FitResult* result, bool* finished, EpochProgress* progress);
  void WriteProfileOnce(const std::string& dir);
  // Validation loss and metrics into `record`; early stopping and the schedule see them.
  ClassificationReport ValidateEpoch(BatchSource& val, EpochRecord* record);
  void SaveBest(const std::string& dir, const EpochRecord& record, const ClassificationReport& val_metrics);
  void LogEpoch(const EpochRecord& record) const;
  void FinishFit(FitResult* result);
  // Trains one epoch from `progress` (batches already done when resuming) and
  // fills record's training loss, threads, padding and step times. Returns false
  // when a stop request ended it early; `progress` then says where.
  bool TrainEpoch(BatchSource& train, int epoch, EpochProgress* progress, EpochRecord* record);
  // One optimisation step on this rank's slice `cpu_batch` (possibly empty when
  // data-parallel); returns the global batch's mean loss and its size in `items`.
  double TrainStep(const Batch& cpu_batch, const std::vector<torch::Tensor>& parameters, int epoch, int64_t batch_index,
                   const std::function<void(double*)>& lap, StepTimes* times, int64_t* items);
  // Whether every rank saw a stop request (an all-reduce when data-parallel, so
  // that all ranks leave the epoch at the same step).
  bool StopAgreed() const;
  // This rank's share of a data-parallel step: its loss is mean_loss, a mean
  // weighted by the class weights of its labelled utterances.
  GradientReducer::Totals LocalTotals(const Batch& batch, double mean_loss) const;
  std::vector<torch::Tensor> TrainableParameters() const;
  void ApplyLearningRates(double scale);
  void SnapshotBest();
  void RestoreBest();
  // best.ckpt into the best-weights snapshot; DataError if `required` and missing.
  void LoadBestSnapshot(const std::string& dir, bool required);
  // Interrupted, naming the signal, where the run stopped and how to go on.
  Interrupted StoppedError(const std::string& dir, const std::string& where) const;
  void SaveLast(const std::string& dir, int epoch, const std::vector<EpochRecord>& history,
                const ClassificationReport& val_metrics, bool finished, const EpochProgress& progress = {});
  // False when there is nothing to resume; else fills the history and the
  // epoch in progress (epoch -1 when the checkpoint was written between epochs).
  bool LoadLast(const std::string& dir, std::vector<EpochRecord>* history, bool* finished, EpochProgress* progress);
  // Writes last.ckpt with the epoch in progress, then throws Interrupted.
  [[noreturn]] void StopMidEpoch(const std::string& dir, const std::vector<EpochRecord>& history,
                                 const EpochProgress& progress);
  void WriteMetricsFile(const std::string& path, const std::vector<EpochRecord>& history);
  // Runs `write` on rank 0 only: every file the trainer writes goes through here.
  void OnWriter(const std::function<void()>& write) const;

  TrainOptions options_;
  EmotionModel model_;
  torch::Device device_;
  ParameterGroups groups_;
  CheckpointMeta meta_;
  DistributedContext distributed_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::vector<double> base_lrs_;
  torch::Tensor class_weights_;
  EarlyStopping early_stopping_;
  LearningRateSchedule schedule_;
  std::vector<torch::Tensor> best_state_;     // parameters then buffers, as model_ lists them
  std::optional<OpProfile> profile_;          // train.profile_steps, once per trainer
  std::unique_ptr<GradientReducer> reducer_;  // data-parallel only
  bool profile_written_ = false;
};

}  // namespace merhan
