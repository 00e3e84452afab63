// Gradient all-reduce of a data-parallel step, in flat buckets: every rank ends
// the step with the gradient that one process would compute on the whole global
// batch. docs/design.md "Data-parallel training".
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "merhan/dist/process_group.h"

namespace merhan {

class GradientReducer {
 public:
  // The loss of a step is a weighted mean: sum_i w_i l_i / sum_i w_i over the
  // labelled items (w_i = 1, or the class weight of item i's label).
  struct Totals {
    double weight = 0;    // sum_i w_i, the mean's denominator
    double loss_sum = 0;  // sum_i w_i l_i = mean loss * weight
    int64_t items = 0;    // utterances
  };

  // `parameters` in a fixed order, the same on every rank; buckets of at most
  // `bucket_bytes` hold consecutive parameters of one dtype.
  GradientReducer(std::shared_ptr<ProcessGroup> group, std::vector<torch::Tensor> parameters,
                  int64_t bucket_bytes = int64_t{25} << 20);

  // Each rank holds the gradient of its own mean loss (`local`, possibly over no
  // item at all: then it has no gradients). Scales it by local.weight, sums
  // over the ranks and divides by the total weight, so that the result is the
  // gradient of the global batch's mean loss. A parameter that has a gradient on
  // no rank keeps none (the optimiser then skips it, as with one process).
  // Returns the totals over all ranks.
  Totals Reduce(const Totals& local);

  int64_t num_buckets() const { return static_cast<int64_t>(buckets_.size()); }

 private:
  struct Bucket {
    std::vector<size_t> members;  // indices into parameters_
    int64_t numel = 0;
    torch::ScalarType dtype = torch::kFloat32;
  };
  std::shared_ptr<ProcessGroup> group_;
  std::vector<torch::Tensor> parameters_;
  std::vector<Bucket> buckets_;
};

}  // namespace merhan
