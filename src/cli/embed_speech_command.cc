// `merhan embed-speech`: a speech encoder's hidden states for one audio file → .npy,
// all of them (layers × frames × dim) or one (--layer N), float32; as embed-text
// does for the text encoder, so that anyone can compare merhan's encoder with their
// own reference (docs/speech_encoders.md).
#include <CLI/CLI.hpp>
#include <chrono>

#include "merhan/audio/audio_loader.h"
#include "merhan/cli/cli.h"
#include "merhan/io/npy.h"
#include "merhan/runtime/device.h"
#include "merhan/speech/speech_extraction.h"
#include "merhan/speech/speech_model_dir.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan::cli {
namespace {

void WriteTensor(const std::string& path, const torch::Tensor& x) {
  const auto c = x.to(torch::kCPU, torch::kFloat32).contiguous();
  WriteNpyFloat32(path, c.sizes().vec(), c.data_ptr<float>());
}

}  // namespace

void AddEmbedSpeechCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("embed-speech",
                                 "run a wav2vec2/HuBERT/WavLM/data2vec-audio encoder of a model "
                                 "directory on an audio file and write its hidden states as float32 .npy");
  struct Args {
    SpeechEncoderOptions encoder;
    std::string wav, out, last_out, device = "cpu";
    int layer = -1;
    bool bf16 = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--model-dir", a->encoder.model_dir, "local Hugging Face model directory (config.json + weights)")
      ->required();
  cmd->add_option("--wav", a->wav, "audio file (resampled to 16 kHz mono)")->required();
  cmd->add_option("--out", a->out,
                  "output .npy: (L+1, T, H) every hidden state as transformers 5.x's hidden_states, or (T, H) with "
                  "--layer")
      ->required();
  cmd->add_option("--layer", a->layer, "write only hidden_states[N] (0 = input of the first layer, L = last layer)");
  cmd->add_option("--last-hidden-state-out", a->last_out,
                  "optional .npy (T, H): last_hidden_state (after the final LayerNorm of a stable-layer-norm model)");
  cmd->add_option("--device", a->device, "cpu | cuda | cuda:N | auto (default cpu)");
  cmd->add_flag("--bf16", a->bf16,
                "run under bf16 autocast (CUDA, or a CPU with native bf16); the output is written as float32");
  cmd->callback([a] {
    LoadedSpeechEncoder enc = LoadSpeechEncoder(a->encoder);
    const torch::Device device = ResolveDevice(a->device);
    enc.model->to(device);
    const int layers = static_cast<int>(enc.config.num_hidden_layers);
    if (a->layer < -1 || a->layer > layers) {
      throw UsageError(Cat("--layer ", a->layer, ": ", enc.model_dir, " has hidden states 0..", layers));
    }
    AudioOptions audio;
    audio.sample_rate = enc.preprocessor.sampling_rate;
    const AudioSignal signal = LoadAudio(a->wav, audio);
    const auto start = std::chrono::steady_clock::now();
    SpeechEncoderOutput out;
    {
      AutocastGuard autocast(device, a->bf16);
      out = EncodeWaveforms(enc, {signal.samples});
    }
    if (device.is_cuda()) torch::cuda::synchronize();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::vector<torch::Tensor> states;
    for (const auto& h : out.hidden_states) states.push_back(h[0]);
    WriteTensor(a->out, a->layer >= 0 ? states[static_cast<size_t>(a->layer)] : torch::stack(states));
    if (!a->last_out.empty()) WriteTensor(a->last_out, out.last_hidden_state[0]);
    log::Info(Cat("embed-speech: ", a->out, " (", a->layer >= 0 ? "layer " + std::to_string(a->layer) : "all layers",
                  ", ", states[0].size(0), " frames of ", states[0].size(1), "; encoder ", seconds, " s on ",
                  device.str(), a->bf16 ? ", bf16 autocast" : "", ")"));
  });
}

}  // namespace merhan::cli
