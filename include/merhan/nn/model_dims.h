// The input and output sizes a model is built for: what a checkpoint records so that
// eval and predict rebuild the same model (runtime/checkpoint_meta.h). Plain C++, so that
// checkpoint metadata parses without LibTorch.
#pragma once

#include <map>
#include <string>

namespace merhan {

struct ModelDims {
  int num_classes = 4;
  int audio_dim = 40;                      // MFCC coefficients
  int text_dim = 384;                      // text-encoder hidden size
  // Declared streams' features per row per hidden state, by name.
  std::map<std::string, int> stream_dims;
  // Speech-encoder streams keeping several hidden states: how many (absent = 1); the
  // model mixes them (nn/layer_mix.h).
  std::map<std::string, int> stream_layers;
  // The features the model reads of `name` (after mixing): audio_dim, text_dim or
  // stream_dims[name]; UsageError naming a stream without one.
  int DimOf(const std::string& name) const;
  int LayersOf(const std::string& name) const;
  // Features per row in a batch: DimOf x LayersOf.
  int RowDimOf(const std::string& name) const { return DimOf(name) * LayersOf(name); }
};

}  // namespace merhan
