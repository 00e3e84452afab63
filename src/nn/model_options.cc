#include "merhan/nn/model_options.h"

#include <algorithm>
#include <set>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {

void ModelOptions::Register(ConfigRegistry* r, const std::string& p) {
  r->RegisterChoice(p + ".type", &type, {"merhan", "audio", "text", "mlp", "early_fusion", "late_fusion"},
                    "model family");
  r->Register(p + ".streams", &streams,
              "streams read: mlp one, early_fusion/late_fusion two or more, merhan [audio branch, text branch] "
              "(audio, text or data.streams names)");
  r->Register(p + ".lstm_hidden", &lstm_hidden, "BiLSTM hidden size per direction");
  r->Register(p + ".lstm_layers", &lstm_layers, "BiLSTM layers");
  r->Register(p + ".heads", &heads, "attention heads (ATE and CMA)");
  r->Register(p + ".cma_dim", &cma_dim, "CMA projection size d");
  r->Register(p + ".conv_kernel", &conv_kernel, "CMA 1D-conv kernel size (odd)");
  r->Register(p + ".dropout", &dropout, "dropout before the classifier (MER-HAN)");
  r->RegisterChoice(p + ".modalities", &modalities, {"both", "audio", "text"},
                    "MER-HAN streams: both, or one ATE branch alone (Table 4 unimodal rows)");
  r->Register(p + ".audio_local_attention", &audio_local_attention, "ATE audio self-attention");
  r->Register(p + ".text_local_attention", &text_local_attention, "ATE text self-attention");
  r->Register(p + ".use_cma", &use_cma, "cross-modal attention block");
  r->Register(p + ".use_global_attention", &use_global_attention, "MEC global inter-modal attention");
  r->RegisterChoice(p + ".fusion.combine", &combine, {"add", "concat"}, "how the two CMA outputs are combined");
  r->RegisterChoice(p + ".fusion.align", &align, {"pad", "pool"}, "how streams of different length are aligned");
  r->Register(p + ".mlp_hidden", &mlp_hidden, "unimodal MLP first hidden size (second is half)");
  r->Register(p + ".fusion_hidden", &fusion_hidden, "early-fusion MLP first hidden size (second is half)");
  r->RegisterChoice(p + ".late_rule", &late_rule, {"vote", "mean"}, "late fusion: majority vote or mean probability");
}

std::vector<std::string> ModelOptions::Inputs() const {
  if (type == "audio") return {kAudioInput};
  if (type == "text") return {kTextInput};
  if (type == "merhan") {
    std::vector<std::string> in;
    for (std::string s : {AudioBranchStream(), TextBranchStream()}) {
      if (!s.empty()) in.push_back(std::move(s));
    }
    return in;
  }
  if (streams.empty() && type != "mlp") return {kAudioInput, kTextInput};
  return streams;
}

bool ModelOptions::UsesAudio() const {
  const auto in = Inputs();
  return std::find(in.begin(), in.end(), kAudioInput) != in.end();
}

bool ModelOptions::UsesText() const {
  const auto in = Inputs();
  return std::find(in.begin(), in.end(), kTextInput) != in.end();
}

// model.streams lists the branches that model.modalities keeps, audio first.
std::string ModelOptions::AudioBranchStream() const {
  if (type != "merhan" || modalities == "text") return "";
  return streams.empty() ? kAudioInput : streams.front();
}

std::string ModelOptions::TextBranchStream() const {
  if (type != "merhan" || modalities == "audio") return "";
  return streams.empty() ? kTextInput : streams.back();
}

void ModelOptions::ValidateBranchStreams() const {
  if (streams.empty()) return;
  const size_t branches = modalities == "both" ? 2 : 1;
  if (streams.size() != branches) {
    throw UsageError(Cat("model.streams: model.type merhan with model.modalities=", modalities, " reads ",
                         branches == 2 ? "[audio-branch stream, text-branch stream]" : "one stream (its branch's)",
                         ", got ", streams.size(), " name(s)"));
  }
  // A branch reads its own computed stream or a precomputed one: the audio branch's
  // BiLSTM never gets the text encoder's states, nor the text branch MFCC frames.
  const std::string audio = AudioBranchStream(), text = TextBranchStream();
  if (audio == kTextInput) {
    throw UsageError(
        "model.streams[0]: MER-HAN's audio branch reads \"audio\" (MFCC) or a precomputed stream of "
        "data.streams, not \"text\"");
  }
  if (text == kAudioInput) {
    throw UsageError(Cat("model.streams[", branches - 1,
                         "]: MER-HAN's text branch reads \"text\" (the encoder's "
                         "states) or a precomputed stream of data.streams, not \"audio\""));
  }
}

void ModelOptions::ValidateStreams() const {
  if (type == "mlp" && streams.size() != 1) {
    throw UsageError("model.streams: model.type mlp reads exactly one stream, got " + std::to_string(streams.size()));
  }
  if ((type == "early_fusion" || type == "late_fusion") && streams.size() == 1) {
    throw UsageError("model.streams: " + type + " fuses two or more streams (use model.type mlp for one)");
  }
  if ((type == "audio" || type == "text") && !streams.empty()) {
    throw UsageError("model.streams: only for model.type merhan, mlp, early_fusion and late_fusion");
  }
  if (type == "merhan") ValidateBranchStreams();
  std::set<std::string> seen;
  for (const std::string& s : streams) {
    if (!seen.insert(s).second) throw UsageError("model.streams: \"" + s + "\" listed twice");
  }
}

void ModelOptions::Validate() const {
  auto positive = [](const char* key, int v) {
    if (v < 1) throw UsageError(std::string("model.") + key + ": must be >= 1, got " + std::to_string(v));
  };
  positive("lstm_hidden", lstm_hidden);
  positive("lstm_layers", lstm_layers);
  positive("heads", heads);
  positive("cma_dim", cma_dim);
  positive("mlp_hidden", mlp_hidden);
  positive("fusion_hidden", fusion_hidden);
  if (conv_kernel < 1 || conv_kernel % 2 == 0) {
    throw UsageError("model.conv_kernel: must be odd and >= 1, got " + std::to_string(conv_kernel));
  }
  if ((2 * lstm_hidden) % heads != 0) throw UsageError("model.heads: must divide 2*model.lstm_hidden");
  if (cma_dim % heads != 0) throw UsageError("model.heads: must divide model.cma_dim");
  if (dropout < 0 || dropout >= 1) throw UsageError("model.dropout: must be in [0, 1)");
  ValidateStreams();
  if (type == "merhan" && align == "pool" && !use_global_attention) {
    // With align=pool each stream is already reduced by attention pooling and there
    // is no global stage to switch off.
    throw UsageError(
        "model.use_global_attention: false has no effect with model.fusion.align=pool "
        "(pool mode has no global stage); use align=pad for the \"without global attention\" ablation");
  }
}

}  // namespace merhan
