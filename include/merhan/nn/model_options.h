// Which model to build and its sizes (docs/design.md §4). One struct for every model type
// so that ablations are switches, not code paths.
#pragma once

#include <string>
#include <vector>

#include "merhan/util/config_registry.h"

namespace merhan {

// Names of the computed streams in model.streams: MFCC frames and the text
// encoder's states (or token ids). Any other name is a stream of data.streams.
inline constexpr const char* kAudioInput = "audio";
inline constexpr const char* kTextInput = "text";

struct ModelOptions {
  // merhan | audio | text | mlp | early_fusion | late_fusion
  std::string type = "merhan";
  // The streams the model reads. Names: audio (MFCC), text (the encoder's states) or
  // streams declared in data.streams. mlp reads one, early and late fusion any K >= 2
  // (empty = audio and text). merhan: [audio-branch stream, text-branch stream], one
  // name when model.modalities keeps one branch; empty = audio and text. A branch
  // reads a sequence (frames x dim): its own computed stream or a 2-D precomputed one.
  std::vector<std::string> streams;
  // MER-HAN (docs/design.md §4)
  int lstm_hidden = 256;  // per direction; BiLSTM output is 2x
  int lstm_layers = 2;
  int heads = 4;
  int cma_dim = 256;     // d of the CMA projections
  int conv_kernel = 1;   // CMA 1D-conv kernel
  double dropout = 0.3;  // before the classifier (MER-HAN only)
  // Which streams MER-HAN reads: both (the full model) or one ATE branch alone,
  // the Table 4 "audio only" / "text only" rows (CMA needs both and is skipped).
  std::string modalities = "both";    // both | audio | text
  bool audio_local_attention = true;  // ATE audio MHSA (Table 4 ablation)
  bool text_local_attention = true;   // ATE text MHSA (Table 4 ablation)
  bool use_cma = true;                // CMA block (Table 4 "without CMA")
  bool use_global_attention = true;   // MEC global inter-modal attention
  std::string combine = "add";        // add | concat (fusion.combine)
  // pad: zero-pad both streams to a common length and combine per position;
  // pool: attention-pool each stream to a vector, combine the vectors (no global
  // stage: on a length-1 sequence it would only square the features).
  std::string align = "pad";  // pad | pool (fusion.align)
  // Baselines (seed 004)
  int mlp_hidden = 128;            // unimodal MLP: in -> 128 -> 64 -> classes
  int fusion_hidden = 256;         // early fusion: in -> 256 -> 128 -> classes
  std::string late_rule = "mean";  // late fusion: vote | mean

  // Which feature streams the model reads. Decided here, from the config alone, so
  // that the data pipeline knows before any model exists (an audio-only run never
  // loads the text encoder) and every model agrees with it (tests/nn/models_test.cc).
  // The streams the model reads, in the order it reads them (ModelDims and the
  // fusion models' concatenation and member order follow it).
  std::vector<std::string> Inputs() const;
  bool UsesAudio() const;
  bool UsesText() const;
  // MER-HAN: the stream each ATE branch reads ("" when model.modalities switches the
  // branch off). The branches are the same code whichever stream feeds them.
  std::string AudioBranchStream() const;
  std::string TextBranchStream() const;

  void Register(ConfigRegistry* r, const std::string& prefix = "model");
  void Validate() const;
  std::string ToString() const { return OptionsToString(*this); }

 private:
  void ValidateStreams() const;
  void ValidateBranchStreams() const;
};

}  // namespace merhan
