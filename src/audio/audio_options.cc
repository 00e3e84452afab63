#include "merhan/audio/audio_options.h"

#include "merhan/util/error.h"

namespace merhan {

void AudioOptions::Register(ConfigRegistry* r, const std::string& p) {
  r->Register(p + ".sample_rate", &sample_rate, "target sample rate in Hz; other rates are resampled with soxr");
  r->Register(p + ".channel", &channel, "-1 = mean of channels, else the 0-based channel to keep");
}

void AudioOptions::Validate() const {
  if (sample_rate < 1000 || sample_rate > 384000) {
    throw UsageError("audio.sample_rate: expected 1000..384000 Hz, got " + std::to_string(sample_rate));
  }
  if (channel < -1) throw UsageError("audio.channel: expected -1 (mean) or a channel index, got " + std::to_string(channel));
}

}  // namespace merhan
