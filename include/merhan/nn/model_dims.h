// The input and output sizes a model is built for: what a checkpoint records so that
// eval and predict rebuild the same model (train/checkpoint_meta.h). Plain C++, so that
// checkpoint metadata parses without LibTorch.
#pragma once

namespace merhan {

struct ModelDims {
  int num_classes = 4;
  int audio_dim = 40;  // MFCC coefficients
  int text_dim = 384;  // text-encoder hidden size
};

}  // namespace merhan
