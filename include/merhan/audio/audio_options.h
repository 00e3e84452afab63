// How audio files become mono float samples at the model's rate.
#pragma once

#include <string>

#include "merhan/util/config_registry.h"

namespace merhan {

struct AudioOptions {
  int sample_rate = 16000;  // every file is resampled to this rate
  int channel = -1;         // -1 = mean of all channels, else that channel (0-based)
  std::string resample_quality = "hq";  // libsoxr recipe: qq | lq | mq | hq | vhq
  // Feature normalisation applied to every utterance's MFCCs before caching:
  // none | utterance (mean and variance over the utterance's frames).
  std::string cmvn = "utterance";

  void Register(ConfigRegistry* r, const std::string& prefix = "audio");
  void Validate() const;
  std::string ToString() const { return OptionsToString(*this); }
};

}  // namespace merhan
