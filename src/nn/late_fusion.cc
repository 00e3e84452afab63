#include "merhan/nn/late_fusion.h"

#include <cmath>

namespace merhan {

LateFusionImpl::LateFusionImpl(const ModelOptions& options, const ModelDims& dims)
    : rule_(options.late_rule), inputs_(options.Inputs()) {
  for (const std::string& name : inputs_) {
    members_.push_back(register_module(name + "_classifier",
                                       UnimodalMlp(name, dims.DimOf(name), options.mlp_hidden, dims.num_classes,
                                                   dims.LayersOf(name))));
  }
}

std::vector<torch::Tensor> LateFusionImpl::AllMemberLogits(const Batch& batch) {
  std::vector<torch::Tensor> logits;
  for (auto& member : members_) logits.push_back(member->forward(batch));
  return logits;
}

std::pair<torch::Tensor, torch::Tensor> LateFusionImpl::MemberLogits(const Batch& batch) {
  return {members_.at(0)->forward(batch), members_.at(1)->forward(batch)};
}

torch::Tensor LateFusionImpl::Combine(const std::vector<torch::Tensor>& member_logits) const {
  std::vector<torch::Tensor> logp;
  for (const auto& l : member_logits) logp.push_back(torch::log_softmax(l, -1));
  const auto stacked = torch::stack(logp);  // (K, B, C)
  const double k = static_cast<double>(logp.size());
  // log(mean of p), computed in log space so that tiny probabilities survive.
  if (rule_ == "mean") return torch::logsumexp(stacked, 0) - std::log(k);
  const auto [conf, votes] = stacked.max(-1);  // (K, B): top log-probability, voted class
  const int64_t classes = stacked.size(-1);
  const auto counts = torch::one_hot(votes, classes).sum(0);                   // (B, C)
  const auto tied = counts.eq(std::get<0>(counts.max(-1, /*keepdim=*/true)));  // (B, C)
  const auto backs_tied = tied.gather(1, votes.t());                           // (B, K): voter backs a tied class
  const auto contender_conf = torch::where(backs_tied, conf.t(), torch::full_like(conf.t(), -INFINITY));
  const auto winner = contender_conf.argmax(1, /*keepdim=*/true);         // first on an exact tie
  const auto winning_class = votes.t().gather(1, winner);                 // (B, 1)
  const auto supporters = votes.t().eq(winning_class).t().unsqueeze(-1);  // (K, B, 1)
  const auto support = supporters.sum(0).to(stacked.scalar_type());       // (B, 1)
  const auto masked = torch::where(supporters, stacked, torch::full_like(stacked, -INFINITY));
  return torch::logsumexp(masked, 0) - support.log();
}

torch::Tensor LateFusionImpl::forward(const Batch& batch) { return Combine(AllMemberLogits(batch)); }

torch::Tensor LateFusionImpl::Loss(const Batch& batch, const torch::Tensor& class_weights, double label_smoothing) {
  namespace F = torch::nn::functional;
  const auto options =
      F::CrossEntropyFuncOptions().weight(class_weights).label_smoothing(label_smoothing).ignore_index(-1);
  torch::Tensor loss;
  for (const auto& logits : AllMemberLogits(batch)) {
    const auto l = F::cross_entropy(logits, batch.labels, options);
    loss = loss.defined() ? loss + l : l;
  }
  return loss;
}

torch::Tensor LateFusionImpl::Probabilities(const Batch& batch) { return forward(batch).exp(); }

}  // namespace merhan
