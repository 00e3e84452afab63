// MFCC settings. Placeholder with the seed's settings; the audio frontend owns it.
#pragma once

#include <string>

#include "merhan/util/config_registry.h"

namespace merhan {

struct MfccOptions {
  int n_mfcc = 40;
  int n_fft = 512;
  int win_length = 400;
  int hop_length = 160;
  int n_mels = 40;

  void Register(ConfigRegistry* r, const std::string& prefix = "mfcc");
  void Validate() const;
  std::string ToString() const { return OptionsToString(*this); }
};

}  // namespace merhan
