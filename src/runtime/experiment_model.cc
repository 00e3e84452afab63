#include "merhan/runtime/experiment_model.h"

#include "merhan/nn/bert.h"
#include "merhan/data/speech_encoder_stream.h"
#include "merhan/nn/fine_tuned_text_model.h"
#include "merhan/runtime/speech_encoder_record.h"
#include "merhan/speech/speech_model_dir.h"
#include "merhan/speech/speech_tuned_model.h"
#include "merhan/text/tokenizer.h"

namespace merhan {

namespace {

// Speech-encoder streams with trainable_layers: the model behind their top layers,
// which start from the encoder's pretrained weights (a checkpoint's tuned ones
// replace them when it loads).
EmotionModel WithSpeechTopLayers(const ExperimentConfig& config, EmotionModel model) {
  for (const PrecomputedStreamSpec& spec : ReadSpeechStreams(config)) {
    if (spec.speech.trainable_layers == 0) continue;
    const SpeechStreamLayout layout = ResolveSpeechStream(spec);
    SpeechEncoderOptions options;
    options.model_dir = layout.model_dir;
    LoadedSpeechEncoder encoder = LoadSpeechEncoder(options);
    SpeechTopLayers top(encoder.config, layout.trainable_layers);
    top->CopyFrom(*encoder.model);
    SpeechTunedStream stream{spec.name, layout.cached, layout.layers, layout.hidden_size};
    model = EmotionModel(std::shared_ptr<EmotionModelImpl>(
        std::make_shared<SpeechTunedModelImpl>(std::move(stream), std::move(top), std::move(model))));
  }
  return model;
}

}  // namespace

EmotionModel BuildExperimentModel(const ExperimentConfig& config, const ModelDims& dims) {
  if (config.text.trainable_layers == 0 || !config.model.UsesText()) {
    return WithSpeechTopLayers(config, BuildModel(config.model, dims));
  }
  TextOptions text = config.text;
  text.model_dir = ResolveModelDir(text.model_dir);
  TextEncoder encoder = LoadBertEncoder(text);  // pretrained weights, top layers unfrozen
  ModelDims inner = dims;
  inner.text_dim = static_cast<int>(encoder.config.hidden_size);
  return WithTextEncoder(encoder.model, WithSpeechTopLayers(config, BuildModel(config.model, inner)));
}

}  // namespace merhan
