// Single utterances (a wav and its transcript) turned into a padded batch with
// the training streams' own extractors: what predict and serve feed a model.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "merhan/nn/batch.h"
#include "merhan/runtime/experiment_config.h"
#include "merhan/runtime/transcript_use.h"

namespace merhan {

// One utterance to predict.
struct InferenceInput {
  std::string id;
  std::string wav_path;
  std::string text;
};

// Whether the model of `config` needs each utterance's transcript (its streams read text).
TranscriptUse TranscriptUseOf(const ExperimentConfig& config);

// Checks what predict can check before features are computed: the wav exists
// and is a file, and (kRequired) the text is not empty/blank. DataError naming what
// is wrong.
void ValidateInferenceInput(const InferenceInput& input, TranscriptUse transcript = TranscriptUse::kRequired);

// The feature extractors inference needs (MFCC, tokenizer, frozen encoder),
// loaded on first use and kept, so that a warm process (merhan serve) loads the
// encoder once rather than per batch.
struct InferenceFrontEnd;

// Features of `inputs` as one padded batch (labels -1), computed exactly as in
// training (MFCC + CMVN per `config.audio`/`config.mfcc`; tokenizer and frozen
// encoder per `config.text`, or token ids alone when the encoder is fine-tuned).
// DataError naming a wav that cannot be read. `front_end`, when given, holds the
// extractors across calls (created on the first); it must come from the same `config`.
Batch MakeInferenceBatch(const ExperimentConfig& config, const std::vector<InferenceInput>& inputs,
                         std::shared_ptr<InferenceFrontEnd>* front_end = nullptr);

}  // namespace merhan
