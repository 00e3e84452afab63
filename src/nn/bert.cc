#include "merhan/nn/bert.h"

#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "merhan/util/atomic_file.h"
#include "merhan/util/config_registry.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;

// ---------------------------------------------------------------- config

BertConfig BertConfig::FromJson(const std::string& path) {
  const nlohmann::json j = ReadJsonObjectFile(path);
  BertConfig c;
  auto get_int = [&](const char* key, int64_t* v) {
    if (!j.contains(key)) return;
    if (!j[key].is_number_integer() || j[key].get<int64_t>() < 0) {
      throw DataError(path + ": " + key + " must be a non-negative integer, got " + j[key].dump());
    }
    *v = j[key].get<int64_t>();
  };
  auto get_double = [&](const char* key, double* v) {
    if (!j.contains(key)) return;
    if (!j[key].is_number()) throw DataError(path + ": " + key + " must be a number, got " + j[key].dump());
    *v = j[key].get<double>();
  };
  get_int("vocab_size", &c.vocab_size);
  get_int("hidden_size", &c.hidden_size);
  get_int("num_hidden_layers", &c.num_hidden_layers);
  get_int("num_attention_heads", &c.num_attention_heads);
  get_int("intermediate_size", &c.intermediate_size);
  get_int("max_position_embeddings", &c.max_position_embeddings);
  get_int("type_vocab_size", &c.type_vocab_size);
  if (j.contains("pad_token_id") && j["pad_token_id"].is_number_integer()) c.pad_token_id = j["pad_token_id"];
  get_double("hidden_dropout_prob", &c.hidden_dropout_prob);
  get_double("attention_probs_dropout_prob", &c.attention_probs_dropout_prob);
  get_double("layer_norm_eps", &c.layer_norm_eps);
  if (j.contains("hidden_act")) {
    if (!j["hidden_act"].is_string()) throw DataError(path + ": hidden_act must be a string");
    c.hidden_act = j["hidden_act"];
  }
  if (j.contains("model_type") && j["model_type"].is_string()) c.model_type = j["model_type"];
  if (c.model_type != "bert") {
    log::Warn(Cat(path, ": model_type '", c.model_type, "' is read as a BERT encoder (absolute positions)"));
  }
  if (j.contains("position_embedding_type") && j["position_embedding_type"] != "absolute") {
    throw DataError(path + ": position_embedding_type " + j["position_embedding_type"].dump() +
                    " is not supported (only \"absolute\")");
  }
  static const char* kActs[] = {"gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu", "silu", "swish"};
  if (std::find(std::begin(kActs), std::end(kActs), c.hidden_act) == std::end(kActs)) {
    throw DataError(path + ": hidden_act '" + c.hidden_act + "' is not supported");
  }
  if (c.hidden_size == 0 || c.num_attention_heads == 0 || c.hidden_size % c.num_attention_heads != 0) {
    throw DataError(path + ": hidden_size " + std::to_string(c.hidden_size) +
                    " is not a multiple of num_attention_heads " + std::to_string(c.num_attention_heads));
  }
  return c;
}

std::string BertConfig::ToString() const {
  return Cat("BertConfig(layers=", num_hidden_layers, ", hidden=", hidden_size, ", heads=", num_attention_heads,
             ", intermediate=", intermediate_size, ", act=", hidden_act, ", vocab=", vocab_size,
             ", positions=", max_position_embeddings, ", types=", type_vocab_size, ", eps=", layer_norm_eps, ")");
}

// ---------------------------------------------------------------- modules

BertEmbeddingsImpl::BertEmbeddingsImpl(const BertConfig& c) {
  word_embeddings = register_module("word_embeddings",
                                    torch::nn::Embedding(torch::nn::EmbeddingOptions(c.vocab_size, c.hidden_size)));
  position_embeddings =
      register_module("position_embeddings", torch::nn::Embedding(c.max_position_embeddings, c.hidden_size));
  token_type_embeddings = register_module("token_type_embeddings",
                                          torch::nn::Embedding(std::max<int64_t>(c.type_vocab_size, 1), c.hidden_size));
  LayerNorm = register_module("LayerNorm",
                              torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
  dropout = register_module("dropout", torch::nn::Dropout(c.hidden_dropout_prob));
}

torch::Tensor BertEmbeddingsImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids) {
  const int64_t t = input_ids.size(1);
  auto positions = torch::arange(t, input_ids.options().dtype(torch::kLong)).unsqueeze(0);
  auto x = word_embeddings(input_ids) + token_type_embeddings(token_type_ids) + position_embeddings(positions);
  return dropout(LayerNorm(x));
}

namespace {

// HF BertSelfAttention: "attention.self.{query,key,value}".
struct SelfAttentionImpl : torch::nn::Module {
  SelfAttentionImpl(const BertConfig& c) : heads(c.num_attention_heads), dropout_p(c.attention_probs_dropout_prob) {
    query = register_module("query", torch::nn::Linear(c.hidden_size, c.hidden_size));
    key = register_module("key", torch::nn::Linear(c.hidden_size, c.hidden_size));
    value = register_module("value", torch::nn::Linear(c.hidden_size, c.hidden_size));
  }
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& additive_mask) {
    const int64_t b = x.size(0), t = x.size(1), h = x.size(2), d = h / heads;
    auto split = [&](const torch::Tensor& y) { return y.view({b, t, heads, d}).transpose(1, 2); };
    auto ctx = at::scaled_dot_product_attention(split(query(x)), split(key(x)), split(value(x)), additive_mask,
                                                is_training() ? dropout_p : 0.0, false);
    return ctx.transpose(1, 2).reshape({b, t, h});
  }
  int64_t heads;
  double dropout_p;
  torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr};
};
TORCH_MODULE(SelfAttention);

// HF BertSelfOutput / BertOutput: dense, dropout, residual, LayerNorm.
struct DenseResidualNormImpl : torch::nn::Module {
  DenseResidualNormImpl(int64_t in, const BertConfig& c) {
    dense = register_module("dense", torch::nn::Linear(in, c.hidden_size));
    LayerNorm = register_module(
        "LayerNorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
    dropout = register_module("dropout", torch::nn::Dropout(c.hidden_dropout_prob));
  }
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& residual) {
    return LayerNorm(dropout(dense(x)) + residual);
  }
  torch::nn::Linear dense{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(DenseResidualNorm);

struct AttentionImpl : torch::nn::Module {
  explicit AttentionImpl(const BertConfig& c) {
    self = register_module("self", SelfAttention(c));
    output = register_module("output", DenseResidualNorm(c.hidden_size, c));
  }
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask) { return output(self(x, mask), x); }
  SelfAttention self{nullptr};
  DenseResidualNorm output{nullptr};
};
TORCH_MODULE(Attention);

struct IntermediateImpl : torch::nn::Module {
  explicit IntermediateImpl(const BertConfig& c) : act(c.hidden_act) {
    dense = register_module("dense", torch::nn::Linear(c.hidden_size, c.intermediate_size));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto y = dense(x);
    if (act == "gelu") return torch::gelu(y);  // erf form, HF "gelu"
    if (act == "relu") return torch::relu(y);
    if (act == "silu" || act == "swish") return torch::silu(y);
    return torch::gelu(y, "tanh");  // gelu_new / gelu_pytorch_tanh / gelu_fast
  }
  std::string act;
  torch::nn::Linear dense{nullptr};
};
TORCH_MODULE(Intermediate);

struct BertLayerImpl : torch::nn::Module {
  explicit BertLayerImpl(const BertConfig& c) {
    attention = register_module("attention", Attention(c));
    intermediate = register_module("intermediate", Intermediate(c));
    output = register_module("output", DenseResidualNorm(c.intermediate_size, c));
  }
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask) {
    auto a = attention(x, mask);
    return output(intermediate(a), a);
  }
  Attention attention{nullptr};
  Intermediate intermediate{nullptr};
  DenseResidualNorm output{nullptr};
};

}  // namespace

BertModelImpl::BertModelImpl(const BertConfig& config) : config_(config) {
  embeddings = register_module("embeddings", BertEmbeddings(config));
  auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
  layers = encoder->register_module("layer", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) layers->push_back(std::make_shared<BertLayerImpl>(config));
  auto pooler = register_module("pooler", std::make_shared<torch::nn::Module>());
  pooler_dense = pooler->register_module("dense", torch::nn::Linear(config.hidden_size, config.hidden_size));
}

torch::Device BertModelImpl::device() const { return embeddings->word_embeddings->weight.device(); }

BertOutput BertModelImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                  const torch::Tensor& token_type_ids) {
  TORCH_CHECK(input_ids.dim() == 2, "BertModel: input_ids must be (B, T)");
  if (input_ids.size(1) > config_.max_position_embeddings) {
    throw UsageError(Cat("BERT input of ", input_ids.size(1), " tokens exceeds max_position_embeddings ",
                         config_.max_position_embeddings, "; lower text.max_length"));
  }
  auto types = token_type_ids.defined() ? token_type_ids : torch::zeros_like(input_ids);
  auto x = embeddings(input_ids, types);
  // HF's extended mask: 0 where attended, the dtype's lowest value where padded.
  auto keep = attention_mask.to(x.scalar_type()).unsqueeze(1).unsqueeze(2);
  auto additive = (1.0 - keep) * std::numeric_limits<float>::lowest();
  if (x.scalar_type() == torch::kBFloat16) additive = (1.0 - keep) * -3.3895313892515355e38;  // bf16 min
  for (const auto& layer : *layers) x = layer->as<BertLayerImpl>()->forward(x, additive.to(x.scalar_type()));
  return {x, attention_mask};
}

BertOutput BertModelImpl::Encode(const std::vector<Encoding>& batch) {
  const int64_t b = static_cast<int64_t>(batch.size());
  const int64_t t = b ? static_cast<int64_t>(batch[0].size()) : 0;
  auto ids = torch::empty({b, t}, torch::kLong), mask = torch::empty({b, t}, torch::kLong),
       types = torch::empty({b, t}, torch::kLong);
  for (int64_t i = 0; i < b; ++i) {
    const auto& e = batch[static_cast<size_t>(i)];
    if (static_cast<int64_t>(e.size()) != t) throw InternalError("BertModel::Encode: batch is not padded");
    std::memcpy(ids[i].data_ptr<int64_t>(), e.input_ids.data(), sizeof(int64_t) * t);
    std::memcpy(mask[i].data_ptr<int64_t>(), e.attention_mask.data(), sizeof(int64_t) * t);
    std::memcpy(types[i].data_ptr<int64_t>(), e.token_type_ids.data(), sizeof(int64_t) * t);
  }
  const auto dev = device();
  return forward(ids.to(dev), mask.to(dev), types.to(dev));
}

void BertModelImpl::Freeze(int trainable_top_layers) {
  for (auto& p : parameters()) p.set_requires_grad(false);
  const int64_t n = layers->size();
  if (trainable_top_layers >= n) {
    for (auto& p : embeddings->parameters()) p.set_requires_grad(true);
  }
  for (int64_t i = std::max<int64_t>(0, n - trainable_top_layers); i < n; ++i) {
    for (auto& p : layers[i]->parameters()) p.set_requires_grad(true);
  }
}

// ---------------------------------------------------------------- weights

std::string LoadReport::ToString() const {
  std::ostringstream out;
  out << weights_path << ": " << missing.size() << " missing, " << unexpected.size() << " unexpected, "
      << ignored.size() << " ignored";
  out << NameList("missing", missing) << NameList("unexpected", unexpected);
  return out.str();
}

StateDict NormalizeBertKeys(const StateDict& raw, std::vector<std::string>* ignored) {
  bool prefixed = false;
  for (const auto& [name, t] : raw.tensors()) prefixed |= name.rfind("bert.", 0) == 0;
  StateDict out(raw.source());
  for (const auto& [name, t] : raw.tensors()) {
    std::string key = name;
    if (prefixed) {
      if (key.rfind("bert.", 0) != 0) {  // heads of BertForPreTraining etc.: cls.*, qa_outputs.*
        ignored->push_back(name);
        continue;
      }
      key = key.substr(5);
    }
    if (key.rfind("cls.", 0) == 0 || (key.size() >= 12 && key.compare(key.size() - 12, 12, "position_ids") == 0)) {
      ignored->push_back(name);
      continue;
    }
    // TF-era checkpoints name LayerNorm parameters gamma/beta.
    auto rename = [&](const std::string& from, const std::string& to) {
      if (key.size() >= from.size() && key.compare(key.size() - from.size(), from.size(), from) == 0) {
        key = key.substr(0, key.size() - from.size()) + to;
      }
    };
    rename("LayerNorm.gamma", "LayerNorm.weight");
    rename("LayerNorm.beta", "LayerNorm.bias");
    out.Set(key, t);
  }
  return out;
}

LoadReport LoadBertWeights(BertModelImpl& model, const StateDict& raw_weights) {
  LoadReport report;
  report.weights_path = raw_weights.source();
  const StateDict weights = NormalizeBertKeys(raw_weights, &report.ignored);
  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  std::vector<std::string> essential_missing;
  for (auto& item : model.named_parameters()) {
    const std::string& name = item.key();
    torch::Tensor& param = item.value();
    if (!weights.Has(name)) {
      report.missing.push_back(name);
      if (name.rfind("pooler.", 0) != 0) essential_missing.push_back(name);
      continue;
    }
    const auto& src = weights.Get(name);
    if (src.sizes() != param.sizes()) {
      std::ostringstream msg;
      msg << raw_weights.source() << ": tensor '" << name << "' has shape " << src.sizes()
          << " but config.json implies " << param.sizes();
      throw DataError(msg.str());
    }
    if (!src.is_floating_point()) {
      throw DataError(raw_weights.source() + ": tensor '" + name + "' is not a floating-point tensor");
    }
    param.copy_(src.to(param.dtype()));
    used.insert(name);
  }
  for (const auto& name : weights.Names()) {
    if (!used.count(name)) report.unexpected.push_back(name);
  }
  if (!essential_missing.empty()) {
    std::string names;
    for (size_t i = 0; i < essential_missing.size() && i < 5; ++i) names += " '" + essential_missing[i] + "'";
    throw DataError(Cat(raw_weights.source(), ": ", essential_missing.size(), " BERT weights missing, e.g.", names,
                        " (is this a BERT checkpoint matching config.json?)"));
  }
  return report;
}

torch::Tensor ClsPool(const torch::Tensor& h) { return h.select(1, 0); }

torch::Tensor MaskedMeanPool(const torch::Tensor& h, const torch::Tensor& mask) {
  auto m = mask.to(h.scalar_type()).unsqueeze(-1);
  return (h * m).sum(1) / m.sum(1).clamp_min(1e-9);
}

// ---------------------------------------------------------------- loading

TextEncoder LoadBertEncoder(const TextOptions& options) {
  options.Validate();
  const std::string dir = ResolveModelDir(options.model_dir);
  const fs::path d(dir);
  std::error_code ec;
  if (!fs::is_directory(d, ec)) {
    throw DataError(dir +
                    ": model directory not found (expected config.json, vocab.txt or a SentencePiece .model, "
                    "and model.safetensors or pytorch_model.bin)");
  }
  std::vector<std::string> lacking;
  if (!fs::is_regular_file(d / "config.json", ec)) lacking.push_back("config.json");
  bool has_tokenizer = fs::is_regular_file(d / "vocab.txt", ec);
  for (const auto& entry : fs::directory_iterator(d, ec)) has_tokenizer |= entry.path().extension() == ".model";
  if (!has_tokenizer)
    lacking.push_back("vocab.txt (WordPiece) or spiece.model/sentencepiece.bpe.model (SentencePiece)");
  fs::path weights;
  if (fs::is_regular_file(d / "model.safetensors", ec)) {
    weights = d / "model.safetensors";
  } else if (fs::is_regular_file(d / "pytorch_model.bin", ec)) {
    weights = d / "pytorch_model.bin";
  } else {
    lacking.push_back("model.safetensors or pytorch_model.bin");
  }
  if (!lacking.empty()) {
    std::string list;
    for (const auto& f : lacking) list += (list.empty() ? "" : "; ") + f;
    throw DataError(dir + ": not a usable BERT model directory; missing " + list);
  }
  TextEncoder enc;
  enc.config = BertConfig::FromJson((d / "config.json").string());
  enc.tokenizer = LoadTokenizer(dir);
  if (enc.tokenizer->VocabSize() > enc.config.vocab_size) {
    throw DataError(Cat(dir, ": the tokenizer has ", enc.tokenizer->VocabSize(),
                        " tokens but config.json vocab_size is ", enc.config.vocab_size));
  }
  enc.model = BertModel(enc.config);
  enc.report = LoadBertWeights(*enc.model, LoadStateDict(weights.string()));
  if (!enc.report.missing.empty() || !enc.report.unexpected.empty()) {
    log::Warn(enc.report.ToString());
  } else {
    log::Debug(enc.report.ToString());
  }
  if (options.dtype == "bf16") enc.model->to(torch::kBFloat16);
  enc.model->Freeze(options.trainable_layers);
  enc.model->eval();
  return enc;
}

}  // namespace merhan
