#include "merhan/text/text_options.h"

#include "merhan/util/error.h"

namespace merhan {

void TextOptions::Register(ConfigRegistry* r, const std::string& p) {
  r->Register(p + ".model_dir", &model_dir,
              "local Hugging Face model directory; \"minilm\" = the bundled all-MiniLM-L6-v2");
  r->Register(p + ".max_length", &max_length, "maximum tokens per utterance incl. [CLS]/[SEP]");
  r->Register(p + ".trainable_layers", &trainable_layers, "top encoder layers to fine-tune; 0 = frozen");
  r->RegisterChoice(p + ".dtype", &dtype, {"fp32", "bf16"}, "encoder weights/compute dtype");
}

void TextOptions::Validate() const {
  if (max_length < 3 || max_length > 4096) {
    throw UsageError("text.max_length: expected 3..4096, got " + std::to_string(max_length));
  }
  if (trainable_layers < 0) throw UsageError("text.trainable_layers: must be >= 0");
}

}  // namespace merhan
