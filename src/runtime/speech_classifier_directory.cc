#include "merhan/runtime/speech_classifier_directory.h"

#include <filesystem>

#include "merhan/io/state_dict.h"
#include "merhan/nn/speech_classification_head.h"
#include "merhan/speech/speech_classifier_config.h"
#include "merhan/speech/speech_model_dir.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;
namespace {

// What the front end computes (RequiredStreams of a one-stream `mlp`): the hidden
// states the head reads, float32, as a stream of the directory itself.
ExperimentConfig ClassifierConfig(const std::string& dir, const SpeechEncoderConfig& encoder,
                                  const SpeechClassifierConfig& head) {
  ExperimentConfig config;
  nlohmann::json stream = {{"format", "speech-encoder"}, {"model_dir", dir}, {"dtype", "float32"}};
  if (!head.weighted_layer_sum) stream["layers"] = {encoder.num_hidden_layers};
  config.data.streams = {{kClassifierStream, stream}};
  config.data.classes = head.labels;
  config.model.type = "mlp";
  config.model.streams = {kClassifierStream};
  return config;
}

// The head's tensors by our parameter names, from the checkpoint's names.
void CopyHeadWeights(torch::nn::Module& model, const StateDict& encoder, const SpeechLoadReport& report,
                     const std::string& file) {
  torch::NoGradGuard no_grad;
  for (auto& p : model.named_parameters()) {
    std::string source = p.key();
    const StateDict* from = &report.head;
    if (source == "layer_weights.weights") source = "layer_weights";
    if (source.rfind("final_layer_norm.", 0) == 0) {
      source = "encoder.layer_norm." + source.substr(std::string("final_layer_norm.").size());
      from = &encoder;
    }
    if (!from->Has(source)) throw DataError(file + ": no tensor " + source + " (a sequence classifier's head)");
    const torch::Tensor& t = from->Get(source);
    if (t.sizes() != p.value().sizes()) {
      throw DataError(Cat(file, ": tensor ", source, " has shape ", t.sizes(), ", config.json implies ",
                          p.value().sizes()));
    }
    p.value().copy_(t.to(torch::kFloat32));
  }
}

}  // namespace

LoadedModel LoadSpeechClassifierDirectory(const std::string& dir_in, const std::string& device) {
  std::error_code ec;
  const std::string dir = fs::absolute(dir_in, ec).lexically_normal().string();
  CheckSpeechModelFiles(dir);
  const std::string config_path = dir + "/config.json";
  const SpeechEncoderConfig encoder = SpeechEncoderConfig::FromJson(config_path);
  const SpeechClassifierConfig head = SpeechClassifierConfig::FromJson(config_path);
  LoadedModel loaded;
  loaded.checkpoint_path = dir;
  loaded.config = ClassifierConfig(dir, encoder, head);
  loaded.meta.kind = "model";
  loaded.meta.config = loaded.config.ToJson();
  loaded.meta.classes = head.labels;
  loaded.meta.dims.num_classes = static_cast<int>(head.labels.size());
  loaded.meta.dims.stream_dims[kClassifierStream] = static_cast<int>(encoder.hidden_size);
  SpeechClassificationHeadOptions options;
  options.stream = kClassifierStream;
  options.layers = head.weighted_layer_sum ? encoder.num_hidden_layers + 1 : 1;
  if (options.layers > 1) loaded.meta.dims.stream_layers[kClassifierStream] = static_cast<int>(options.layers);
  options.hidden = encoder.hidden_size;
  options.projector = head.projector_size;
  options.classes = static_cast<int64_t>(head.labels.size());
  // Unweighted, transformers classifies last_hidden_state: after the final LayerNorm
  // of a stable-layer-norm encoder, which hidden_states[L] is not.
  options.final_layer_norm = !head.weighted_layer_sum && encoder.layer_norm_placement == LayerNormPlacement::kPre;
  options.layer_norm_eps = encoder.layer_norm_eps;
  LoadOptions load;
  load.device = device;
  load.calibration = Calibration::kIgnore;  // a published model carries no temperature
  load.build = [&](const ModelOptions&, const ModelDims&) {
    // The holder's variadic constructor would take the pointer as a constructor argument.
    return EmotionModel(std::shared_ptr<EmotionModelImpl>(std::make_shared<SpeechClassificationHeadImpl>(options)));
  };
  BuildLoadedModel(&loaded, load, [&](torch::nn::Module& model) {
    const std::string file = SpeechWeightsFile(dir);
    SpeechLoadReport report;
    const StateDict weights = NormalizeSpeechKeys(LoadStateDict(file), encoder.model_type, &report);
    CopyHeadWeights(model, weights, report, file);
  });
  log::Info(Cat("sequence classifier ", dir, ": ", head.ToString(), ", ", encoder.ToString()));
  return loaded;
}

}  // namespace merhan
