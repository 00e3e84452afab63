#include "merhan/speech/speech_encoder_config.h"

#include <nlohmann/json.hpp>
#include <sstream>

#include "merhan/util/config_registry.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"
#include "merhan/util/printable.h"

namespace merhan {
namespace {

const char* kSupportedTypes = "wav2vec2, hubert, wavlm, data2vec-audio";

// Typed reads of config.json fields, each error naming the file and the field.
class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& j, const std::string& path) : j_(j), path_(path) {}

  [[noreturn]] void Fail(const std::string& key, const std::string& what) const {
    throw DataError(path_ + ": " + key + " " + what);
  }
  bool Has(const char* key) const { return j_.contains(key) && !j_[key].is_null(); }
  const nlohmann::json& At(const char* key) const { return j_[key]; }

  void Positive(const char* key, int64_t* v) const {
    if (!Has(key)) return;
    if (!j_[key].is_number_integer() || j_[key].get<int64_t>() <= 0) {
      Fail(key, "must be a positive integer, got " + Printable(j_[key].dump()));
    }
    *v = j_[key].get<int64_t>();
  }
  void PositiveNumber(const char* key, double* v) const {
    if (!Has(key)) return;
    if (!j_[key].is_number() || !(j_[key].get<double>() > 0)) {
      Fail(key, "must be a positive number, got " + Printable(j_[key].dump()));
    }
    *v = j_[key].get<double>();
  }
  void Probability(const char* key, double* v) const {
    if (!Has(key)) return;
    if (!j_[key].is_number() || !(j_[key].get<double>() >= 0) || !(j_[key].get<double>() < 1)) {
      Fail(key, "must be a number in [0, 1), got " + Printable(j_[key].dump()));
    }
    *v = j_[key].get<double>();
  }
  void Flag(const char* key, bool* v) const {
    if (!Has(key)) return;
    if (!j_[key].is_boolean()) Fail(key, "must be true or false, got " + Printable(j_[key].dump()));
    *v = j_[key].get<bool>();
  }
  void PositiveList(const char* key, std::vector<int64_t>* v) const {
    if (!Has(key)) return;
    if (!j_[key].is_array() || j_[key].empty()) Fail(key, "must be a non-empty list of positive integers");
    v->clear();
    for (const auto& e : j_[key]) {
      if (!e.is_number_integer() || e.get<int64_t>() <= 0) {
        Fail(key, "must hold positive integers, got " + Printable(j_[key].dump()));
      }
      v->push_back(e.get<int64_t>());
    }
  }
  // A string field that must be one of `supported` (when present).
  void Require(const char* key, const std::vector<std::string>& supported, const std::string& fallback,
               std::string* v) const {
    *v = fallback;
    if (!Has(key)) return;
    if (!j_[key].is_string()) Fail(key, "must be a string, got " + Printable(j_[key].dump()));
    *v = j_[key].get<std::string>();
    for (const auto& s : supported) {
      if (*v == s) return;
    }
    std::string list;
    for (const auto& s : supported) list += (list.empty() ? "\"" : ", \"") + s + "\"";
    Fail(key, "\"" + Printable(*v) + "\" is not supported (supported: " + list + ")");
  }

 private:
  const nlohmann::json& j_;
  std::string path_;
};

SpeechModelType ParseModelType(const ConfigReader& r) {
  if (!r.Has("model_type") || !r.At("model_type").is_string()) {
    r.Fail("model_type", std::string("is missing (expected one of ") + kSupportedTypes + ")");
  }
  const std::string t = r.At("model_type").get<std::string>();
  if (t == "wav2vec2") return SpeechModelType::kWav2Vec2;
  if (t == "hubert") return SpeechModelType::kHubert;
  if (t == "wavlm") return SpeechModelType::kWavLM;
  if (t == "data2vec-audio") return SpeechModelType::kData2VecAudio;
  r.Fail("model_type",
         "\"" + Printable(t) + "\" is not a supported speech encoder (supported: " + kSupportedTypes + ")");
}

// Fields that would add modules merhan does not compute: refused, not ignored
// (where transformers reads them for this model type).
void RejectUnsupported(const ConfigReader& r, const SpeechEncoderConfig& c) {
  std::string act;
  r.Require("hidden_act", {"gelu"}, "gelu", &act);
  r.Require("feat_extract_activation", {"gelu"}, "gelu", &act);
  bool adapter = false;
  if (c.model_type != SpeechModelType::kHubert) r.Flag("add_adapter", &adapter);
  if (adapter) r.Fail("add_adapter", "true is not supported (an adapter after the encoder; only false)");
  const bool has_attn_adapters = c.model_type == SpeechModelType::kWav2Vec2 || c.model_type == SpeechModelType::kHubert;
  if (has_attn_adapters && c.layer_norm_placement == LayerNormPlacement::kPre && r.Has("adapter_attn_dim")) {
    r.Fail("adapter_attn_dim", "is not supported (attention adapters in the layers; only null)");
  }
}

void ReadFrontEnd(const ConfigReader& r, SpeechEncoderConfig* c) {
  r.PositiveList("conv_dim", &c->conv_dim);
  r.PositiveList("conv_kernel", &c->conv_kernel);
  r.PositiveList("conv_stride", &c->conv_stride);
  r.Flag("conv_bias", &c->conv_bias);
  if (c->model_type == SpeechModelType::kData2VecAudio) {
    c->conv_norm = ConvNorm::kLayer;  // data2vec-audio has no feat_extract_norm: always LayerNorm
    return;
  }
  std::string norm;
  r.Require("feat_extract_norm", {"group", "layer"}, "group", &norm);
  c->conv_norm = norm == "layer" ? ConvNorm::kLayer : ConvNorm::kGroup;
}

void ReadEncoder(const ConfigReader& r, SpeechEncoderConfig* c) {
  // data2vec-audio's default: 5 stacked positional convolutions.
  if (c->model_type == SpeechModelType::kData2VecAudio) c->num_conv_pos_embeddings = 5;
  r.Positive("hidden_size", &c->hidden_size);
  r.Positive("num_hidden_layers", &c->num_hidden_layers);
  r.Positive("num_attention_heads", &c->num_attention_heads);
  r.Positive("intermediate_size", &c->intermediate_size);
  r.PositiveNumber("layer_norm_eps", &c->layer_norm_eps);
  r.Probability("hidden_dropout", &c->hidden_dropout);
  r.Probability("attention_dropout", &c->attention_dropout);
  r.Probability("activation_dropout", &c->activation_dropout);
  r.Positive("num_conv_pos_embeddings", &c->num_conv_pos_embeddings);
  r.Positive("num_conv_pos_embedding_groups", &c->num_conv_pos_embedding_groups);
  bool stable = false;
  if (c->model_type != SpeechModelType::kData2VecAudio) r.Flag("do_stable_layer_norm", &stable);
  c->layer_norm_placement = stable ? LayerNormPlacement::kPre : LayerNormPlacement::kPost;
  c->positional_conv = PositionalConv::kWeightNorm;
  if (c->model_type == SpeechModelType::kHubert) {
    bool batch_norm = false;
    r.Flag("conv_pos_batch_norm", &batch_norm);
    if (batch_norm) c->positional_conv = PositionalConv::kBatchNorm;
    r.Flag("feat_proj_layer_norm", &c->feat_proj_layer_norm);
  }
  if (c->model_type == SpeechModelType::kData2VecAudio) {
    c->positional_conv = PositionalConv::kStacked;
    r.Positive("conv_pos_kernel_size", &c->conv_pos_kernel_size);
  }
  if (c->model_type == SpeechModelType::kWavLM) {
    r.Positive("num_buckets", &c->num_buckets);
    r.Positive("max_bucket_distance", &c->max_bucket_distance);
  }
}

}  // namespace

const char* ToString(SpeechModelType type) {
  switch (type) {
    case SpeechModelType::kWav2Vec2: return "wav2vec2";
    case SpeechModelType::kHubert: return "hubert";
    case SpeechModelType::kWavLM: return "wavlm";
    case SpeechModelType::kData2VecAudio: return "data2vec-audio";
  }
  return "?";
}

const char* TaskPrefix(SpeechModelType type) {
  switch (type) {
    case SpeechModelType::kWav2Vec2: return "wav2vec2";
    case SpeechModelType::kHubert: return "hubert";
    case SpeechModelType::kWavLM: return "wavlm";
    case SpeechModelType::kData2VecAudio: return "data2vec_audio";
  }
  return "?";
}

SpeechEncoderConfig SpeechEncoderConfig::FromJson(const std::string& path) {
  const nlohmann::json j = ReadJsonObjectFile(path);
  const ConfigReader r(j, path);
  SpeechEncoderConfig c;
  c.model_type = ParseModelType(r);
  ReadFrontEnd(r, &c);
  ReadEncoder(r, &c);
  RejectUnsupported(r, c);
  if (r.Has("architectures") && r.At("architectures").is_array()) {
    for (const auto& a : r.At("architectures")) {
      if (a.is_string()) c.architectures.push_back(a.get<std::string>());
    }
  }
  c.Validate(path);
  return c;
}

void SpeechEncoderConfig::Validate(const std::string& origin) const {
  auto fail = [&](const std::string& msg) { throw DataError(origin + ": " + msg); };
  if (conv_dim.empty() || conv_dim.size() != conv_kernel.size() || conv_dim.size() != conv_stride.size()) {
    fail(Cat("conv_dim, conv_kernel and conv_stride must have one entry per convolution, got ", conv_dim.size(), ", ",
             conv_kernel.size(), " and ", conv_stride.size()));
  }
  if (hidden_size % num_attention_heads != 0) {
    fail(Cat("hidden_size ", hidden_size, " is not a multiple of num_attention_heads ", num_attention_heads));
  }
  if (hidden_size % num_conv_pos_embedding_groups != 0) {
    fail(Cat("hidden_size ", hidden_size, " is not a multiple of num_conv_pos_embedding_groups ",
             num_conv_pos_embedding_groups));
  }
  if (HasRelativePositionBias()) {
    // The bucket function halves num_buckets twice and takes log(max_distance / max_exact).
    if (num_buckets < 4 || num_buckets % 2 != 0) {
      fail(Cat("num_buckets must be an even number >= 4, got ", num_buckets));
    }
    if (max_bucket_distance <= num_buckets / 4) {
      fail(Cat("max_bucket_distance ", max_bucket_distance, " must exceed num_buckets / 4 = ", num_buckets / 4));
    }
  }
}

std::string SpeechEncoderConfig::ToString() const {
  std::ostringstream out;
  out << "SpeechEncoderConfig(" << merhan::ToString(model_type) << ", layers=" << num_hidden_layers
      << ", hidden=" << hidden_size << ", heads=" << num_attention_heads << ", intermediate=" << intermediate_size
      << ", conv=" << (conv_norm == ConvNorm::kGroup ? "group" : "layer") << "-norm x" << conv_dim.size()
      << (conv_bias ? " with bias" : "") << ", positions="
      << (positional_conv == PositionalConv::kWeightNorm  ? "weight-norm conv"
          : positional_conv == PositionalConv::kBatchNorm ? "batch-norm conv"
                                                          : "stacked convs")
      << " k=" << (positional_conv == PositionalConv::kStacked ? conv_pos_kernel_size : num_conv_pos_embeddings)
      << " groups=" << num_conv_pos_embedding_groups << ", "
      << (layer_norm_placement == LayerNormPlacement::kPre ? "pre-LN (stable)" : "post-LN")
      << ", eps=" << layer_norm_eps;
  if (!feat_proj_layer_norm) out << ", no projection LayerNorm";
  if (HasRelativePositionBias()) out << ", buckets=" << num_buckets << "/" << max_bucket_distance;
  out << ")";
  return out.str();
}

int64_t SpeechEncoderConfig::FramesFor(int64_t samples) const {
  int64_t n = samples;
  for (size_t i = 0; i < conv_kernel.size(); ++i) {
    if (n < conv_kernel[i]) return 0;
    n = (n - conv_kernel[i]) / conv_stride[i] + 1;
  }
  return n;
}

int64_t SpeechEncoderConfig::MinSamples() const {
  int64_t n = 1;  // one output frame, back through the layers
  for (size_t i = conv_kernel.size(); i-- > 0;) n = (n - 1) * conv_stride[i] + conv_kernel[i];
  return n;
}

int64_t SpeechEncoderConfig::TotalStride() const {
  int64_t s = 1;
  for (int64_t v : conv_stride) s *= v;
  return s;
}

}  // namespace merhan
