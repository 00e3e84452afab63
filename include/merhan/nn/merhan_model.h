// MER-HAN (Zhang et al. 2023) as docs/design.md §4 defines it, with every Table 4 ablation
// as a switch of ModelOptions:
//
//   ATE   audio: BiLSTM (packed) [+ local MHSA, Add&Norm]      -> (B,Ta,2h)
//         text:  encoder hidden state [+ local MHSA, Add&Norm] -> (B,Tt,H)
//   CMA   conv projections to d [+ units A and T, Add&Norm]     (modalities=both only)
//   MEC   fusion.align=pad: zero-pad both streams to max(Ta,Tt) (a position is valid
//         if valid in either), combine per position (add | concat), then
//         z = g (x) s with g = masked additive attention pooling and s = masked mean;
//         without global attention z = s.
//         fusion.align=pool: each stream -> vector by its own masked attention pooling,
//         vectors combined (add | concat) into z; there is no global stage.
//         dropout(z) -> linear classifier.
//   model.modalities=audio|text keeps one ATE branch and feeds it straight to the
//   MEC (its "combined" sequence is that branch's output).
//   Either branch may read a precomputed sequence stream (model.streams = [audio
//   branch, text branch]): the BiLSTM then reads e.g. SSL frames instead of MFCC, the
//   text attention e.g. another encoder's states; the input size is the stream's dim.
//
// Module names (checkpoints use them): audio_encoder.lstm,
// audio_encoder.local_attention.{attention,norm}, text_local_attention.{attention,norm},
// cma.{audio_projection,text_projection,audio_unit,text_unit}.{attention,norm},
// global_attention.{projection,score}, audio_pool / text_pool (align=pool), classifier.
#pragma once

#include <torch/torch.h>

#include "merhan/nn/attention_pool.h"
#include "merhan/nn/audio_encoder.h"
#include "merhan/nn/cross_modal_attention.h"
#include "merhan/nn/emotion_model.h"
#include "merhan/nn/layer_mix.h"
#include "merhan/nn/residual_attention.h"

namespace merhan {

class MerhanModelImpl : public EmotionModelImpl {
 public:
  MerhanModelImpl(const ModelOptions& options, const ModelDims& dims);

  // Reads each branch's stream (Batch::Input): by default batch.audio/audio_lengths/
  // audio_mask and batch.text/text_mask (the frozen text encoder's cached state).
  torch::Tensor forward(const Batch& batch) override;
  // The network on explicit tensors, so that a trainable text encoder can feed
  // `text_hidden` (B,Tt,H) itself. Unused streams may be undefined.
  torch::Tensor Logits(const torch::Tensor& audio, const torch::Tensor& audio_lengths, const torch::Tensor& audio_mask,
                       const torch::Tensor& text_hidden, const torch::Tensor& text_mask);

  bool UsesAudio() const override { return uses_audio_; }
  bool UsesText() const override { return uses_text_; }
  // Size of z, the classifier's input.
  int64_t fused_dim() const { return fused_dim_; }

 private:
  ModelOptions options_;
  std::string audio_stream_, text_stream_;  // the branches' streams; "" = branch off
  int64_t audio_dim_ = 0, text_dim_ = 0;    // their feature sizes
  bool uses_audio_ = true;                  // reads the computed streams (MFCC, encoder states)
  bool uses_text_ = true;
  int64_t fused_dim_ = 0;

  // A branch stream keeping several speech-encoder hidden states: their learned mix.
  LayerMix audio_mix_{nullptr}, text_mix_{nullptr};
  AudioEncoder audio_encoder_{nullptr};
  ResidualAttention text_local_attention_{nullptr};
  CrossModalAttention cma_{nullptr};
  AttentionPool global_attention_{nullptr};
  AttentionPool audio_pool_{nullptr};
  AttentionPool text_pool_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::Linear classifier_{nullptr};
};
TORCH_MODULE(MerhanModel);

}  // namespace merhan
