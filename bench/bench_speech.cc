// Speech-encoder feature extraction on CPU: loads a wav2vec2/HuBERT/WavLM/data2vec-audio
// model directory once (LoadSpeechEncoder), reads a list of audio files (LoadAudio,
// 16 kHz mono; not timed), then encodes every utterance with EncodeWaveforms, one
// utterance per call (what SpeechBatching::kAuto does for group-norm front ends; for
// layer-norm front ends it is the unbatched path), `repeats` times after `warmup`
// passes, with `threads` intra-op threads. A pass is the preprocessor's normalisation
// plus the forward (every hidden state) for each file. Prints one JSON line
// {"model_dir", "files", "audio_seconds", "frames", "threads", "dtype", "seconds": [..]}.
//
// --workers W > 1 encodes W utterances at a time, each worker with one intra-op thread:
// the scheme of the feature cache's extraction (FeatureCache::WriteGeneration, which
// `merhan features` and `train` run), in place of --threads; longest utterances first,
// as that extraction orders them (by file size).
// --dtype bf16 runs the forward under CPU autocast to bfloat16 (as the trainer's
// cpu_bf16 does for its models; the speech encoder itself has no bf16 option).
// --dump-dir D writes the first --dump-count files' hidden states, (L+1, T, H) float32,
// as D/<index>.npy (encoded again after the timed passes), for comparison with scripts/bench_speech.py --dump-dir.
// Driven by scripts/bench_speech.sh, which times transformers (eager) alike.
#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "merhan/audio/audio_loader.h"
#include "merhan/io/npy.h"
#include "merhan/speech/speech_extraction.h"
#include "merhan/speech/speech_model_dir.h"
#include "merhan/util/parallel_for.h"

namespace {

// CPU autocast to bfloat16 for the guard's lifetime (runtime/device.cc's AutocastGuard).
class CpuBf16Autocast {
 public:
  explicit CpuBf16Autocast(bool enabled) : enabled_(enabled) {
    if (!enabled_) return;
    at::autocast::set_autocast_enabled(at::kCPU, true);
    at::autocast::set_autocast_dtype(at::kCPU, at::kBFloat16);
    at::autocast::increment_nesting();
  }
  ~CpuBf16Autocast() {
    if (!enabled_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_autocast_enabled(at::kCPU, false);
  }

 private:
  bool enabled_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"time merhan's speech encoder over a list of audio files"};
  std::string model_dir, list, dtype = "fp32", dump_dir;
  int repeats = 3, warmup = 1, threads = 2, workers = 1, dump_count = 2;
  app.add_option("--model-dir", model_dir)->required();
  app.add_option("--list", list, "text file: one audio path per line")->required();
  app.add_option("--repeats", repeats);
  app.add_option("--warmup", warmup);
  app.add_option("--threads", threads, "intra-op threads (one stream of utterances)");
  app.add_option("--workers", workers, "utterances encoded at once, one intra-op thread each")
      ->check(CLI::PositiveNumber);
  app.add_option("--dtype", dtype)->check(CLI::IsMember({"fp32", "bf16"}));
  app.add_option("--dump-dir", dump_dir);
  app.add_option("--dump-count", dump_count);
  CLI11_PARSE(app, argc, argv);

  if (workers > 1) threads = 1;
  torch::set_num_threads(threads);
  merhan::SpeechEncoderOptions options;
  options.model_dir = model_dir;
  const merhan::LoadedSpeechEncoder enc = merhan::LoadSpeechEncoder(options);

  std::vector<std::string> paths;
  std::ifstream in(list);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) paths.push_back(line);
  }
  merhan::AudioOptions audio;
  audio.sample_rate = enc.preprocessor.sampling_rate;
  std::vector<std::vector<float>> waves;
  double audio_seconds = 0;
  for (const auto& p : paths) {
    waves.push_back(merhan::LoadAudio(p, audio).samples);
    audio_seconds += static_cast<double>(waves.back().size()) / audio.sample_rate;
  }

  const bool bf16 = dtype == "bf16";
  std::vector<double> seconds;
  std::vector<int64_t> file_frames(waves.size());
  std::vector<double> file_sums(waves.size());
  std::vector<size_t> order(waves.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return waves[a].size() > waves[b].size(); });
  for (int r = -warmup; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    merhan::ParallelFor(
        static_cast<int64_t>(waves.size()), workers,
        [&](int64_t k) {
          const size_t i = order[static_cast<size_t>(k)];
          merhan::SpeechEncoderOutput out;
          {
            CpuBf16Autocast autocast(bf16);
            out = merhan::EncodeWaveforms(enc, {waves[i]}, merhan::SpeechBatching::kAuto);
          }
          file_frames[i] = out.last_hidden_state.size(1);
          file_sums[i] = out.last_hidden_state.to(torch::kFloat32).sum().item<double>();
        },
        [] { torch::set_num_threads(1); });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r >= 0) seconds.push_back(s);
  }
  const size_t dumped = dump_dir.empty() ? 0 : std::min(waves.size(), static_cast<size_t>(std::max(dump_count, 0)));
  for (size_t i = 0; i < dumped; ++i) {
    CpuBf16Autocast autocast(bf16);  // after the timed passes, on this thread
    const auto out = merhan::EncodeWaveforms(enc, {waves[i]}, merhan::SpeechBatching::kAuto);
    std::vector<torch::Tensor> states;
    for (const auto& h : out.hidden_states) states.push_back(h[0]);
    const auto x = torch::stack(states).to(torch::kFloat32).contiguous();
    merhan::WriteNpyFloat32(dump_dir + "/" + std::to_string(i) + ".npy", x.sizes().vec(), x.data_ptr<float>());
  }
  int64_t frames = 0;
  double checksum = 0;  // one pass, in file order, whatever order the workers finished in
  for (size_t i = 0; i < waves.size(); ++i) {
    frames += file_frames[i];
    checksum += file_sums[i];
  }
  std::cout << nlohmann::json({{"impl", "merhan"},
                               {"model_dir", model_dir},
                               {"files", waves.size()},
                               {"audio_seconds", audio_seconds},
                               {"frames", frames},
                               {"threads", threads},
                               {"workers", workers},
                               {"dtype", dtype},
                               {"group_norm", enc.config.conv_norm == merhan::ConvNorm::kGroup},
                               {"checksum", checksum},
                               {"seconds", seconds}})
                   .dump()
            << "\n";
  return 0;
}
