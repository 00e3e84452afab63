#include "merhan/audio/audio_options.h"

#include "merhan/util/error.h"

namespace merhan {

void AudioOptions::Register(ConfigRegistry* r, const std::string& p) {
  r->Register(p + ".sample_rate", &sample_rate, "target sample rate in Hz; other rates are resampled with soxr");
  r->Register(p + ".channel", &channel, "-1 = mean of channels, else the 0-based channel to keep");
  r->RegisterChoice(p + ".resample_quality", &resample_quality, {"qq", "lq", "mq", "hq", "vhq"},
                    "libsoxr quality recipe used when a file's rate differs");
  r->RegisterChoice(p + ".cmvn", &cmvn, {"none", "utterance"},
                    "MFCC normalisation per utterance before caching (mean and variance)");
}

void AudioOptions::Validate() const {
  if (sample_rate < 1000 || sample_rate > 384000) {
    throw UsageError("audio.sample_rate: expected 1000..384000 Hz, got " + std::to_string(sample_rate));
  }
  if (channel < -1)
    throw UsageError("audio.channel: expected -1 (mean) or a channel index, got " + std::to_string(channel));
  if (resample_quality != "qq" && resample_quality != "lq" && resample_quality != "mq" && resample_quality != "hq" &&
      resample_quality != "vhq") {
    throw UsageError("audio.resample_quality: expected qq, lq, mq, hq or vhq, got \"" + resample_quality + "\"");
  }
}

}  // namespace merhan
