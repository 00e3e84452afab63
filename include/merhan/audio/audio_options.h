// How audio files become mono float samples at the model's rate.
#pragma once

#include <string>

#include "merhan/util/config_registry.h"

namespace merhan {

struct AudioOptions {
  int sample_rate = 16000;              // every file is resampled to this rate
  int channel = -1;                     // -1 = mean of all channels, else that channel (0-based)
  std::string resample_quality = "hq";  // libsoxr recipe: qq | lq | mq | hq | vhq
  // Feature normalisation applied to every utterance's MFCCs before caching:
  // none | utterance (mean and variance over the utterance's frames). none, as
  // the seed: utterance CMVN removes the level and energy that carry arousal
  // (MER-HAN lost 11 UAR points with it on the synthetic corpus, docs/results.md).
  std::string cmvn = "none";

  void Register(ConfigRegistry* r, const std::string& prefix = "audio");
  void Validate() const;
  std::string ToString() const { return OptionsToString(*this); }
};

}  // namespace merhan
