#include "merhan/speech/speech_weights.h"

#include <set>
#include <sstream>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The two spellings of a weight-normed parameter: (magnitude g, direction v).
struct WeightNormFlavour {
  const char* g;
  const char* v;
};
constexpr WeightNormFlavour kFlavours[] = {{"weight_g", "weight_v"},
                                           {"parametrizations.weight.original0", "parametrizations.weight.original1"}};

// Folds every weight-normed pair of `sd` into "<base>weight", in place.
void FoldWeightNorm(StateDict* sd) {
  std::set<std::string> bases;
  for (const auto& name : sd->Names()) {
    for (const auto& f : kFlavours) {
      for (const std::string part : {f.g, f.v}) {
        if (EndsWith(name, part)) bases.insert(name.substr(0, name.size() - part.size()));
      }
    }
  }
  for (const auto& base : bases) {
    std::vector<const WeightNormFlavour*> present;
    for (const auto& f : kFlavours) {
      const bool g = sd->Has(base + f.g), v = sd->Has(base + f.v);
      if (g != v) {
        throw DataError(sd->source() + ": tensor '" + base + (g ? f.v : f.g) + "' is missing (weight norm needs '" +
                        base + f.g + "' and '" + base + f.v + "')");
      }
      if (g) present.push_back(&f);
    }
    if (present.size() != 1 || sd->Has(base + "weight")) {
      throw DataError(sd->source() + ": '" + base +
                      "weight' is stored more than once (weight_g/weight_v, "
                      "parametrizations.weight.original0/1 or weight): keep one");
    }
    const auto g = sd->Get(base + present[0]->g), v = sd->Get(base + present[0]->v);
    if (g.dim() != 3 || g.size(0) != 1 || g.size(1) != 1 || v.dim() != 3 || g.size(2) != v.size(2)) {
      std::ostringstream msg;
      msg << sd->source() << ": weight-norm magnitude '" << base << present[0]->g << "' has shape " << g.sizes()
          << " for a direction of shape " << v.sizes() << "; expected (1, 1, kernel): the norm over dims 0 and 1";
      throw DataError(msg.str());
    }
    sd->Set(base + "weight", torch::_weight_norm(v, g, 2));
    sd->Remove(base + present[0]->g);
    sd->Remove(base + present[0]->v);
  }
}

enum class Need { kRequired, kOptional };

// Copies `src` into `dst` (a parameter or buffer), checking the shape.
void CopyChecked(const std::string& source, const std::string& name, const torch::Tensor& src, torch::Tensor& dst) {
  if (src.sizes() != dst.sizes()) {
    std::ostringstream msg;
    msg << source << ": tensor '" << name << "' has shape " << src.sizes() << " but config.json implies "
        << dst.sizes();
    throw DataError(msg.str());
  }
  dst.copy_(src.to(dst.dtype()));
}

}  // namespace

std::string SpeechLoadReport::ToString() const {
  std::ostringstream out;
  out << weights_path << ": " << missing.size() << " missing, " << unexpected.size() << " unexpected, "
      << ignored.size() << " ignored, " << head.size() << " outside the encoder";
  if (!task_prefix.empty()) out << " (task checkpoint, prefix '" << task_prefix << ".')";
  out << NameList("missing", missing) << NameList("unexpected", unexpected);
  return out.str();
}

StateDict NormalizeSpeechKeys(const StateDict& raw, SpeechModelType type, SpeechLoadReport* report) {
  const std::string prefix = std::string(TaskPrefix(type)) + ".";
  bool prefixed = false;
  for (const auto& [name, t] : raw.tensors()) prefixed |= name.rfind(prefix, 0) == 0;
  report->task_prefix = prefixed ? TaskPrefix(type) : "";
  report->head = StateDict(raw.source());
  StateDict out(raw.source());
  for (const auto& [name, t] : raw.tensors()) {
    if (prefixed && name.rfind(prefix, 0) != 0) {
      report->head.Set(name, t);
      continue;
    }
    const std::string key = prefixed ? name.substr(prefix.size()) : name;
    if (key == "masked_spec_embed") {  // SpecAugment's mask vector: training only
      report->ignored.push_back(name);
      continue;
    }
    out.Set(key, t.is_floating_point() ? t.to(torch::kFloat32) : t);
  }
  FoldWeightNorm(&out);
  return out;
}

SpeechLoadReport LoadSpeechWeights(SpeechEncoderImpl& model, const StateDict& raw) {
  SpeechLoadReport report;
  report.weights_path = raw.source();
  const StateDict weights = NormalizeSpeechKeys(raw, model.config().model_type, &report);
  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  std::vector<std::string> essential;
  auto copy = [&](const std::string& name, torch::Tensor& dst, Need need) {
    if (!weights.Has(name)) {
      report.missing.push_back(name);
      if (need == Need::kRequired) essential.push_back(name);
      return;
    }
    if (dst.is_floating_point() && !weights.Get(name).is_floating_point()) {
      throw DataError(raw.source() + ": tensor '" + name + "' is not a floating-point tensor");
    }
    CopyChecked(raw.source(), name, weights.Get(name), dst);
    used.insert(name);
  };
  for (auto& item : model.named_parameters()) copy(item.key(), item.value(), Need::kRequired);
  for (auto& item : model.named_buffers()) {  // BatchNorm statistics; its step count is unused in eval mode
    copy(item.key(), item.value(), EndsWith(item.key(), "num_batches_tracked") ? Need::kOptional : Need::kRequired);
  }
  for (const auto& name : weights.Names()) {
    if (!used.count(name)) report.unexpected.push_back(name);
  }
  if (!essential.empty()) {
    std::string names;
    for (size_t i = 0; i < essential.size() && i < 5; ++i) names += " '" + essential[i] + "'";
    throw DataError(Cat(raw.source(), ": ", essential.size(), " ", ToString(model.config().model_type),
                        " encoder tensors missing, e.g.", names, " (does config.json match these weights?)"));
  }
  return report;
}

}  // namespace merhan
