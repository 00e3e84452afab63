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
  std::map<std::string, int> stream_dims;  // precomputed streams' features per row, by name
  // audio_dim, text_dim or stream_dims[name]; UsageError naming a stream without one.
  int DimOf(const std::string& name) const;
};

}  // namespace merhan
