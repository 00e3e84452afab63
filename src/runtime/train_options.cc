#include "merhan/runtime/train_options.h"

#include "merhan/util/error.h"

namespace merhan {

void TrainOptions::Register(ConfigRegistry* r, const std::string& p) {
  r->RegisterChoice(
      p + ".optimizer", &optimizer, {"adam", "adamw", "sgd"},
      "optimiser (sgd: plain, no momentum; used where runs must agree to rounding, e.g. data-parallel checks)");
  r->Register(p + ".lr", &lr, "learning rate of everything but the text encoder");
  r->Register(p + ".text_lr", &text_lr, "learning rate of unfrozen text-encoder layers");
  r->Register(p + ".audio_lr", &audio_lr, "learning rate of the speech-encoder top layers trained in the model");
  r->Register(p + ".weight_decay", &weight_decay, "L2 (adam, sgd) or decoupled (adamw) weight decay");
  r->Register(p + ".batch_size", &batch_size, "utterances per batch");
  r->Register(p + ".epochs", &epochs, "maximum number of epochs");
  r->Register(p + ".patience", &patience, "early-stopping patience in epochs; 0 disables it");
  r->RegisterChoice(p + ".monitor", &monitor, {"val_loss", "val_uar"},
                    "early-stopping and model-selection metric (validation split only)");
  r->Register(p + ".grad_clip", &grad_clip, "max global gradient L2 norm; 0 = off");
  r->RegisterChoice(p + ".schedule", &schedule, {"none", "cosine", "plateau"}, "learning-rate schedule");
  r->Register(p + ".plateau_factor", &plateau_factor,
              "schedule=plateau: multiply the learning rates by this after a plateau");
  r->Register(p + ".plateau_patience", &plateau_patience,
              "schedule=plateau: epochs without improvement of train.monitor before reducing");
  r->Register(p + ".min_lr_scale", &min_lr_scale, "lower bound of the schedule's learning-rate factor");
  r->Register(p + ".label_smoothing", &label_smoothing, "cross-entropy label smoothing");
  r->RegisterChoice(p + ".class_weights", &class_weights, {"none", "balanced"},
                    "cross-entropy class weights from training-split counts");
  r->Register(p + ".device", &device, "auto | cpu | cuda | cuda:N");
  r->Register(p + ".bf16", &bf16, "bf16 autocast on CUDA (fp32 weights, optimiser state and loss)");
  r->Register(p + ".cpu_bf16", &cpu_bf16,
              "bf16 autocast on the CPU where it is native (AVX512-BF16 or AMX-BF16; elsewhere fp32, with a warning)");
  r->Register(p + ".bucket", &bucket,
              "training batches of similar lengths (shuffled buckets, seeded); false = plain shuffle");
  r->Register(p + ".num_workers", &num_workers, "batch-loading threads");
  r->Register(p + ".profile_steps", &profile_steps,
              "op-profile this many training steps (after a warm-up step) of the first epoch into profile.md; 0 = off");
  r->Register(p + ".log_every", &log_every, "batches between log lines; 0 = once per epoch");
}

void TrainOptions::Validate() const {
  if (!(lr > 0)) throw UsageError("train.lr: must be > 0, got " + std::to_string(lr));
  if (!(text_lr >= 0)) throw UsageError("train.text_lr: must be >= 0");
  if (!(audio_lr >= 0)) throw UsageError("train.audio_lr: must be >= 0");
  if (weight_decay < 0) throw UsageError("train.weight_decay: must be >= 0");
  if (batch_size < 1) throw UsageError("train.batch_size: must be >= 1, got " + std::to_string(batch_size));
  if (epochs < 1) throw UsageError("train.epochs: must be >= 1, got " + std::to_string(epochs));
  if (patience < 0) throw UsageError("train.patience: must be >= 0");
  if (grad_clip < 0) throw UsageError("train.grad_clip: must be >= 0");
  if (!(plateau_factor > 0 && plateau_factor < 1)) throw UsageError("train.plateau_factor: must be in (0, 1)");
  if (plateau_patience < 0) throw UsageError("train.plateau_patience: must be >= 0");
  if (!(min_lr_scale >= 0 && min_lr_scale <= 1)) throw UsageError("train.min_lr_scale: must be in [0, 1]");
  if (label_smoothing < 0 || label_smoothing >= 1) throw UsageError("train.label_smoothing: must be in [0, 1)");
  if (num_workers < 0) throw UsageError("train.num_workers: must be >= 0");
  if (profile_steps < 0) throw UsageError("train.profile_steps: must be >= 0, got " + std::to_string(profile_steps));
  const bool device_ok = device == "auto" || device == "cpu" || device == "cuda" ||
                         (device.rfind("cuda:", 0) == 0 && device.size() > 5 &&
                          device.find_first_not_of("0123456789", 5) == std::string::npos);
  if (!device_ok) throw UsageError("train.device: expected auto, cpu, cuda or cuda:N, got \"" + device + "\"");
}

void RunOptions::Register(ConfigRegistry* r, const std::string& p) {
  r->Register(p + ".name", &name, "run name: runs are written to <out_dir>/<name>/<timestamp>/");
  r->Register(p + ".out_dir", &out_dir, "parent directory of run directories");
  r->Register(p + ".seeds", &seeds, "one full cross-validation per seed");
  r->Register(p + ".folds", &folds, "fold indices to run (0-based); empty = all");
  r->Register(p + ".threads", &threads,
              "LibTorch intra-op threads of training and evaluation; 0 = OMP_NUM_THREADS if set, else every core the "
              "process may use");
}

void RunOptions::Validate() const {
  if (name.empty() || name.find('/') != std::string::npos) {
    throw UsageError("run.name: must be a non-empty name without '/', got \"" + name + "\"");
  }
  if (seeds.empty()) throw UsageError("run.seeds: must list at least one seed");
  for (int f : folds)
    if (f < 0) throw UsageError("run.folds: fold indices are >= 0");
  if (threads < 0) throw UsageError("run.threads: must be >= 0");
}

}  // namespace merhan
