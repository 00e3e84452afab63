// Synthetic batches for the model tests: utterances of given lengths, collated
// with optional extra padding whose contents are random garbage (so that a model
// that reads padding gives different logits).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "merhan/nn/batch.h"

namespace merhan::testing {

struct Item {
  torch::Tensor audio;  // (La, F)
  torch::Tensor text;   // (Lt, H)
  int64_t label = 0;
};

inline std::vector<Item> RandomItems(const std::vector<int64_t>& audio_lengths,
                                     const std::vector<int64_t>& text_lengths, int64_t audio_dim, int64_t text_dim,
                                     int num_classes = 4) {
  std::vector<Item> items;
  for (size_t i = 0; i < audio_lengths.size(); ++i) {
    items.push_back({torch::randn({audio_lengths[i], audio_dim}), torch::randn({text_lengths[i], text_dim}),
                     static_cast<int64_t>(i % num_classes)});
  }
  return items;
}

// Pads every item to the longest in `items` plus `extra_audio` / `extra_text`
// positions. Padding holds large random values unless `zero_padding`.
inline Batch Collate(const std::vector<Item>& items, int64_t extra_audio = 0, int64_t extra_text = 0,
                     bool zero_padding = false) {
  const int64_t b = static_cast<int64_t>(items.size());
  int64_t ta = 0, tt = 0;
  for (const auto& it : items) {
    ta = std::max(ta, it.audio.size(0));
    tt = std::max(tt, it.text.size(0));
  }
  ta += extra_audio;
  tt += extra_text;
  const int64_t fa = items[0].audio.size(1), ft = items[0].text.size(1);
  Batch batch;
  batch.audio = zero_padding ? torch::zeros({b, ta, fa}) : 100 * torch::randn({b, ta, fa});
  batch.text = zero_padding ? torch::zeros({b, tt, ft}) : 100 * torch::randn({b, tt, ft});
  batch.audio_mask = torch::zeros({b, ta}, torch::kBool);
  batch.text_mask = torch::zeros({b, tt}, torch::kBool);
  batch.audio_lengths = torch::zeros({b}, torch::kInt64);
  batch.labels = torch::zeros({b}, torch::kInt64);
  for (int64_t i = 0; i < b; ++i) {
    const auto& it = items[i];
    const int64_t la = it.audio.size(0), lt = it.text.size(0);
    batch.audio[i].narrow(0, 0, la).copy_(it.audio);
    batch.text[i].narrow(0, 0, lt).copy_(it.text);
    batch.audio_mask[i].narrow(0, 0, la).fill_(true);
    batch.text_mask[i].narrow(0, 0, lt).fill_(true);
    batch.audio_lengths[i] = la;
    batch.labels[i] = it.label;
    batch.ids.push_back("utt" + std::to_string(i));
  }
  return batch;
}

}  // namespace merhan::testing

#include "merhan/nn/emotion_model.h"
#include "merhan/nn/model_options.h"

namespace merhan::testing {

struct Variant {
  std::string name;
  ModelOptions options;
  ModelDims dims;
};

// Every model family and MER-HAN switch the tests cover. "paper" has docs/design.md §4's
// sizes (with a 384-wide text encoder, all-MiniLM-L6-v2); the rest are smaller.
inline std::vector<Variant> ModelVariants() {
  ModelOptions small;
  small.lstm_hidden = 24;
  small.cma_dim = 32;
  small.heads = 4;
  small.mlp_hidden = 32;
  small.fusion_hidden = 48;
  const ModelDims small_dims{4, 40, 64};
  std::vector<Variant> v;
  auto add = [&](const std::string& name, auto&& tweak) {
    ModelOptions o = small;
    tweak(o);
    v.push_back({name, o, small_dims});
  };
  v.push_back({"paper", ModelOptions{}, ModelDims{4, 40, 384}});
  add("full_small", [](ModelOptions&) {});
  add("concat_pad", [](ModelOptions& o) { o.combine = "concat"; });
  add("add_pool", [](ModelOptions& o) { o.align = "pool"; });
  add("concat_pool", [](ModelOptions& o) {
    o.combine = "concat";
    o.align = "pool";
  });
  add("no_cma", [](ModelOptions& o) { o.use_cma = false; });
  add("no_cma_concat_pool", [](ModelOptions& o) {
    o.use_cma = false;
    o.combine = "concat";
    o.align = "pool";
  });
  add("no_global", [](ModelOptions& o) { o.use_global_attention = false; });
  add("no_local_attention", [](ModelOptions& o) {
    o.audio_local_attention = false;
    o.text_local_attention = false;
  });
  add("conv_kernel_3", [](ModelOptions& o) { o.conv_kernel = 3; });
  add("audio_noattn", [](ModelOptions& o) {
    o.modalities = "audio";
    o.audio_local_attention = false;
  });
  add("audio_attn", [](ModelOptions& o) { o.modalities = "audio"; });
  add("audio_attn_pool", [](ModelOptions& o) {
    o.modalities = "audio";
    o.align = "pool";
  });
  add("text_noattn", [](ModelOptions& o) {
    o.modalities = "text";
    o.text_local_attention = false;
  });
  add("text_attn", [](ModelOptions& o) { o.modalities = "text"; });
  add("audio_mlp", [](ModelOptions& o) { o.type = "audio"; });
  add("text_mlp", [](ModelOptions& o) { o.type = "text"; });
  add("early_fusion", [](ModelOptions& o) { o.type = "early_fusion"; });
  add("late_fusion_mean", [](ModelOptions& o) {
    o.type = "late_fusion";
    o.late_rule = "mean";
  });
  add("late_fusion_vote", [](ModelOptions& o) {
    o.type = "late_fusion";
    o.late_rule = "vote";
  });
  return v;
}

// Moves every parameter and buffer away from its initial value, so that zero
// biases or unit LayerNorm weights cannot hide a wrong wiring. Weight matrices get
// noise proportional to their own spread, which keeps the logits at the scale of
// an initialised model (a few units).
inline void Perturb(torch::nn::Module& model, double scale = 0.1) {
  torch::NoGradGuard no_grad;
  for (auto& p : model.parameters()) {
    const double spread = p.numel() > 1 ? p.std().item<double>() : 0.0;
    p.add_((spread > 0 ? 0.5 * spread : scale) * torch::randn_like(p));
  }
  for (auto& b : model.named_buffers()) {
    const bool is_std = b.key().size() > 4 && b.key().compare(b.key().size() - 4, 4, "_std") == 0;
    b.value().copy_(is_std ? 0.5 + torch::rand_like(b.value()) : 0.5 * torch::randn_like(b.value()));
  }
}

}  // namespace merhan::testing
