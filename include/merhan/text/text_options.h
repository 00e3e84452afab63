// Which text encoder to use and how much of it to train.
#pragma once

#include <string>

#include "merhan/util/config_registry.h"

namespace merhan {

struct TextOptions {
  std::string model_dir;       // local Hugging Face directory (config.json, vocab.txt, weights)
  int max_length = 128;        // tokens including [CLS]/[SEP]; padding is dynamic per batch
  int trainable_layers = 0;    // top encoder layers to unfreeze; 0 = frozen (seed overfit unfrozen)
  std::string dtype = "fp32";  // fp32 | bf16

  void Register(ConfigRegistry* r, const std::string& prefix = "text");
  void Validate() const;
  std::string ToString() const { return OptionsToString(*this); }
};

}  // namespace merhan
