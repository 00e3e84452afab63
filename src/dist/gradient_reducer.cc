#include "merhan/dist/gradient_reducer.h"

#include "merhan/util/error.h"

namespace merhan {

GradientReducer::GradientReducer(std::shared_ptr<ProcessGroup> group, std::vector<torch::Tensor> parameters,
                                 int64_t bucket_bytes)
    : group_(std::move(group)), parameters_(std::move(parameters)) {
  if (!group_) throw InternalError("GradientReducer without a process group");
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const auto& p = parameters_[i];
    const int64_t bytes = p.numel() * static_cast<int64_t>(p.element_size());
    const bool fits = !buckets_.empty() && buckets_.back().dtype == p.scalar_type() &&
                      (buckets_.back().numel * static_cast<int64_t>(p.element_size()) + bytes <= bucket_bytes);
    if (!fits) {
      buckets_.emplace_back();
      buckets_.back().dtype = p.scalar_type();
    }
    buckets_.back().members.push_back(i);
    buckets_.back().numel += p.numel();
  }
}

GradientReducer::Totals GradientReducer::Reduce(const Totals& local) {
  torch::NoGradGuard no_grad;
  const size_t n = parameters_.size();
  // Totals and, per parameter, on how many ranks it has a gradient: one float64
  // tensor reduced along with the buckets.
  torch::Tensor meta = torch::zeros({static_cast<int64_t>(3 + n)}, torch::kFloat64);
  auto* m = meta.data_ptr<double>();
  m[0] = local.weight;
  m[1] = local.loss_sum;
  m[2] = static_cast<double>(local.items);
  std::vector<torch::Tensor> flats;
  for (const Bucket& b : buckets_) {
    const auto& device = parameters_[b.members.front()].device();
    torch::Tensor flat = torch::zeros({b.numel}, torch::TensorOptions().dtype(b.dtype).device(device));
    int64_t offset = 0;
    for (size_t i : b.members) {
      const auto& p = parameters_[i];
      if (p.grad().defined()) {
        flat.narrow(0, offset, p.numel()).copy_(p.grad().reshape({-1})).mul_(local.weight);
        m[3 + i] = 1;
      }
      offset += p.numel();
    }
    flats.push_back(flat);
  }
  std::vector<torch::Tensor> all = flats;
  all.push_back(meta);
  group_->AllReduceSum(all, "gradient all-reduce");
  Totals total{m[0], m[1], static_cast<int64_t>(m[2] + 0.5)};
  if (!(total.weight > 0)) return total;  // no labelled item in the global batch: the trainer reports it
  for (size_t k = 0; k < buckets_.size(); ++k) {
    int64_t offset = 0;
    for (size_t i : buckets_[k].members) {
      auto& p = parameters_[i];
      if (m[3 + i] > 0) {
        torch::Tensor g = flats[k].narrow(0, offset, p.numel()).view(p.sizes()).div(total.weight);
        if (p.grad().defined()) {
          p.mutable_grad().copy_(g);
        } else {
          p.mutable_grad() = g;
        }
      }
      offset += p.numel();
    }
  }
  return total;
}

}  // namespace merhan
