// Running a loaded speech encoder on utterances: the preprocessor's normalisation,
// then the encoder, batched where that cannot change the result.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "merhan/speech/speech_model_dir.h"

namespace merhan {

enum class SpeechBatching {
  // Layer-norm front ends: one padded batch with a frame mask (equal to separate
  // runs within float rounding, tests/speech). Group-norm front ends normalise over
  // the padding too (6.4e-2 measured on wav2vec2-base, docs/design.md T11): those
  // run one utterance at a time.
  kAuto,
  kOneAtATime,
};

// Encodes 16 kHz mono utterances (raw samples, not yet normalised) under inference
// mode, on the device the encoder's parameters are on (outputs stay there). Returns the padded outputs: every hidden state (B, T_max, H) with the frame
// lengths and mask; frames past an utterance's length hold no meaning. DataError
// for an utterance shorter than the encoder's receptive field (MinSamples()).
SpeechEncoderOutput EncodeWaveforms(const LoadedSpeechEncoder& encoder,
                                    const std::vector<std::vector<float>>& waveforms,
                                    SpeechBatching batching = SpeechBatching::kAuto);

}  // namespace merhan
