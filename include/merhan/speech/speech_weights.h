// Copying a Hugging Face checkpoint's tensors into a SpeechEncoder: the task prefix
// of a …ForSequenceClassification / …ForCTC checkpoint stripped, the positional
// convolution's weight norm folded, the tensors outside the encoder kept aside.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "merhan/io/state_dict.h"
#include "merhan/speech/speech_encoder.h"

namespace merhan {

struct SpeechLoadReport {
  std::string weights_path;
  std::string task_prefix;              // "wavlm" when the keys were "wavlm.…", else ""
  std::vector<std::string> missing;     // model tensors the checkpoint lacked (only optional ones get this far)
  std::vector<std::string> unexpected;  // encoder-side checkpoint tensors with no place in the model
  std::vector<std::string> ignored;     // training-only tensors (masked_spec_embed)
  // Tensors outside the encoder, under their names in the file (classifier.*,
  // projector.*, layer_weights, lm_head.*, quantizer.*, ...): for a task-head loader.
  StateDict head;
  std::string ToString() const;
};

// The checkpoint's encoder tensors under the model's names, as float32: the task
// prefix ("<TaskPrefix(type)>.") stripped when the checkpoint has it (every other
// tensor then goes to report->head); weight-normed convolutions folded into one
// "<conv>.weight" = g * v / ||v||, the norm taken over every dimension but dim 2 (the
// kernel position; torch's _weight_norm with dim 2, as transformers applies it), from
// either key flavour: "<conv>.weight_g"/"weight_v" or
// "<conv>.parametrizations.weight.original0"/"original1". DataError naming the file
// for half a pair, both flavours at once, or a magnitude not shaped (1, 1, kernel).
StateDict NormalizeSpeechKeys(const StateDict& raw, SpeechModelType type, SpeechLoadReport* report);

// Copies the normalised tensors into `model` (parameters and BatchNorm statistics)
// by name. DataError naming the file and the tensor for a shape that config.json
// does not imply, and naming the first missing tensors when any is missing (but
// BatchNorm's num_batches_tracked, unused in eval mode).
SpeechLoadReport LoadSpeechWeights(SpeechEncoderImpl& model, const StateDict& raw);

}  // namespace merhan
