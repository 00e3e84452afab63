// A BERT encoder (HF BertModel, eager attention) whose submodules carry the
// checkpoint's own parameter names (embeddings.word_embeddings,
// encoder.layer.N.attention.self.query, ...), so weights copy over 1:1.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "merhan/io/state_dict.h"
#include "merhan/text/text_options.h"
#include "merhan/text/tokenizer.h"

namespace merhan {

struct BertConfig {
  int64_t vocab_size = 30522;
  int64_t hidden_size = 768;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  std::string hidden_act = "gelu";  // gelu (erf) | gelu_new / gelu_pytorch_tanh (tanh) | relu
  double hidden_dropout_prob = 0.1;
  double attention_probs_dropout_prob = 0.1;
  int64_t max_position_embeddings = 512;
  int64_t type_vocab_size = 2;
  double layer_norm_eps = 1e-12;
  int64_t pad_token_id = 0;
  std::string model_type = "bert";

  // Reads config.json; DataError naming the file for a missing/invalid file or an
  // unsupported position_embedding_type / hidden_act.
  static BertConfig FromJson(const std::string& path);
  std::string ToString() const;
};

// The encoder's output for a padded batch.
struct BertOutput {
  torch::Tensor last_hidden_state;  // (B, T, H)
  torch::Tensor attention_mask;     // (B, T), 1 = real token
};

struct BertEmbeddingsImpl : torch::nn::Module {
  explicit BertEmbeddingsImpl(const BertConfig& c);
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids);
  torch::nn::Embedding word_embeddings{nullptr}, position_embeddings{nullptr}, token_type_embeddings{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(BertEmbeddings);

class BertModelImpl : public torch::nn::Module {
 public:
  explicit BertModelImpl(const BertConfig& config);

  // input_ids, attention_mask, token_type_ids: (B, T) integer tensors on the
  // model's device; token_type_ids may be undefined (all zeros).
  BertOutput forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                     const torch::Tensor& token_type_ids = {});
  // Tokenizer output → tensors on the model's device, then forward().
  BertOutput Encode(const std::vector<Encoding>& padded_batch);

  // Freezes everything, then unfreezes the top `trainable_top_layers` encoder
  // layers; >= num_hidden_layers also unfreezes the embeddings (all trainable).
  void Freeze(int trainable_top_layers);

  const BertConfig& config() const { return config_; }
  torch::Device device() const;

  BertEmbeddings embeddings{nullptr};
  torch::nn::ModuleList layers{nullptr};    // "encoder.layer": BertLayerImpl (bert.cc)
  torch::nn::Linear pooler_dense{nullptr};  // "pooler.dense": loaded, unused by forward()

 private:
  BertConfig config_;
};
TORCH_MODULE(BertModel);

// Report of a checkpoint copy into the model.
struct LoadReport {
  std::string weights_path;
  std::vector<std::string> missing;     // model parameters the checkpoint lacked
  std::vector<std::string> unexpected;  // checkpoint tensors the model has no place for
  std::vector<std::string> ignored;     // known-irrelevant keys (cls.*, position_ids)
  std::string ToString() const;
};

// HF key fix-ups: drops the "bert." prefix, renames LayerNorm gamma/beta to
// weight/bias, sets aside cls.* (pre-training heads) and *position_ids buffers.
StateDict NormalizeBertKeys(const StateDict& raw, std::vector<std::string>* ignored);

// Copies `weights` into `model` by name (shapes must match: DataError naming the
// file and tensor otherwise). Missing essential weights (anything but the pooler)
// → DataError naming the file and the first missing tensors.
LoadReport LoadBertWeights(BertModelImpl& model, const StateDict& raw_weights);

// Pools (B,T,H) to (B,H).
torch::Tensor ClsPool(const torch::Tensor& last_hidden_state);
torch::Tensor MaskedMeanPool(const torch::Tensor& last_hidden_state, const torch::Tensor& attention_mask);

struct TextEncoder {
  BertConfig config;
  BertModel model{nullptr};
  std::shared_ptr<Tokenizer> tokenizer;
  LoadReport report;
};

// Loads a local HF model directory (options.model_dir; "minilm" = bundled
// all-MiniLM-L6-v2): config.json, the tokenizer (LoadTokenizer) and the weights
// (model.safetensors, else pytorch_model.bin), in options.dtype (fp32|bf16), frozen
// but for options.trainable_layers, in eval mode. DataError naming the directory
// and the files expected when something is missing.
TextEncoder LoadBertEncoder(const TextOptions& options);

}  // namespace merhan
