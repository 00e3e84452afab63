// Self-contained checkpoints: one file that holds the model weights and buffers
// (normalisation statistics included), the resolved config, the class names,
// the fold and seed, the metrics at save time and a fingerprint of the text
// encoder it was trained with. last.ckpt also holds the training state
// (optimiser, RNG, early stopping, schedule) so that --resume is exact.
//
// Format: a LibTorch serialize archive (a zip, as torch::save writes) with
//   "merhan_checkpoint"  string: CheckpointMeta as JSON
//   "model"              archive: Module::save (parameters and buffers by name)
//   "training"           archive (last.ckpt only): see trainer.cc
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/nn/emotion_model.h"
#include "merhan/runtime/checkpoint_meta.h"

namespace merhan {

// Size and a fast 64-bit hash (FNV-1a over 8-byte words; not cryptographic,
// enough to notice a swapped or edited file) of config.json, the weights
// (model.safetensors / pytorch_model.bin) and the vocabulary files present in
// `dir`. DataError naming the directory when it or its config.json is missing.
nlohmann::json TextEncoderFingerprint(const std::string& dir);

// Recomputes the fingerprint of the directory recorded in `recorded` (or of
// `moved_to` when not empty: the same encoder in another place) and throws
// DataError naming the directory, the differing file and `checkpoint_path` when
// it is missing or any file differs. Only content counts, never the path. Does
// nothing for a null `recorded`.
void CheckTextEncoder(const nlohmann::json& recorded, const std::string& checkpoint_path,
                      const std::string& moved_to = "");

// {file: fingerprint} now against {file: fingerprint} at training time: DataError
// "<where>: <file> is gone | changed (...) | appeared since training<hint>" for the
// first difference (the text and the speech encoders' checks).
void CheckSameFiles(const nlohmann::json& before, const nlohmann::json& after, const std::string& where,
                    const std::string& hint);

// Writes the checkpoint atomically (temp file + rename). `extra`, when given,
// fills the "training" sub-archive.
void SaveCheckpoint(const std::string& path, const CheckpointMeta& meta, torch::nn::Module& model,
                    const std::function<void(torch::serialize::OutputArchive&)>& extra = {});

// Opens a checkpoint. Any file that is not one (missing, not a zip, a zip of
// something else, a newer format) is a DataError naming it.
class CheckpointReader {
 public:
  // Tensors are loaded onto `device`.
  explicit CheckpointReader(const std::string& path, const torch::Device& device = torch::kCPU);
  const std::string& path() const { return path_; }
  const CheckpointMeta& meta() const { return meta_; }
  // Copies weights and buffers into `model` (any device). DataError naming the
  // file when a name or shape does not match.
  void LoadModel(torch::nn::Module& model);
  // The "training" sub-archive; false when the checkpoint has none (best.ckpt).
  bool ReadTraining(torch::serialize::InputArchive* training);

 private:
  std::string path_;
  CheckpointMeta meta_;
  torch::serialize::InputArchive archive_;
};

}  // namespace merhan
