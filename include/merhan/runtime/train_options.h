// Options of the optimiser, the loss, early stopping and the run itself.
#pragma once

#include <string>
#include <vector>

#include "merhan/util/config_registry.h"

namespace merhan {

// The seed's settings (docs/design.md §4): Adam lr 5e-5, batch 32, <=64 epochs, early
// stopping patience 6 on validation loss, plain cross-entropy.
struct TrainOptions {
  std::string optimizer = "adam";  // adam | adamw | sgd
  double lr = 5e-5;                // everything but the text encoder
  double text_lr = 1e-5;           // unfrozen text-encoder layers
  double audio_lr = 5e-5;          // speech-encoder top layers trained in the model (data.streams.<s>.trainable_layers)
  double weight_decay = 0.0;
  int batch_size = 32;
  int epochs = 64;
  int patience = 6;                  // epochs without improvement; 0 disables early stopping
  std::string monitor = "val_loss";  // val_loss | val_uar
  double grad_clip = 0.0;            // max global L2 norm; 0 = off
  std::string schedule = "none";     // none | cosine | plateau
  double plateau_factor = 0.5;       // plateau: lr factor after a plateau
  int plateau_patience = 2;          // plateau: epochs without improvement before reducing
  double min_lr_scale = 0.0;         // floor of the schedule's factor (cosine end, plateau floor)
  double label_smoothing = 0.0;
  std::string class_weights = "none";  // none | balanced
  std::string device = "auto";         // auto | cpu | cuda | cuda:N
  bool bf16 = true;                    // bf16 autocast on CUDA
  bool cpu_bf16 = false;               // bf16 autocast on CPUs with native bf16 (docs/benchmarks.md: why off)
  bool bucket = true;                  // length-bucketed training batches
  int num_workers = 2;                 // batch-loading threads
  int log_every = 0;                   // batches between log lines; 0 = per epoch only
  int profile_steps = 0;               // op-profile this many steps of the first epoch; 0 = off

  void Register(ConfigRegistry* r, const std::string& prefix = "train");
  void Validate() const;
  std::string ToString() const { return OptionsToString(*this); }
};

// Where a run goes and how many times it repeats.
struct RunOptions {
  std::string name = "run";  // runs/<name>/<timestamp>/
  std::string out_dir = "runs";
  std::vector<int> seeds = {1};
  std::vector<int> folds;  // empty = every fold of the protocol
  int threads = 0;         // LibTorch intra-op threads; 0 = every core the process may use

  void Register(ConfigRegistry* r, const std::string& prefix = "run");
  void Validate() const;
  std::string ToString() const { return OptionsToString(*this); }
};

}  // namespace merhan
