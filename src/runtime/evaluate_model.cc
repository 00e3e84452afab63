#include "merhan/runtime/evaluate_model.h"

#include <cmath>
#include <sstream>
#include <unordered_map>

#include "merhan/runtime/device.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {

std::string IdList(const std::vector<std::string>& ids) {
  std::string out;
  const size_t n = std::min<size_t>(ids.size(), 8);
  for (size_t i = 0; i < n; ++i) out += (i ? ", " : "") + ids[i];
  if (ids.size() > n) out += ", ... (" + std::to_string(ids.size()) + " in all)";
  return out;
}

namespace {

// Each rank's rows (ids as positions in `order`, labels, probabilities) put
// together on every rank; rows come back in `order`.
void GatherEvaluation(ProcessGroup& group, const std::vector<std::string>& order, EvaluationResult* result) {
  if (order.empty()) throw InternalError("data-parallel evaluation needs a source with a result order");
  std::unordered_map<std::string, int64_t> position;
  for (size_t i = 0; i < order.size(); ++i) position.emplace(order[i], static_cast<int64_t>(i));
  std::vector<int64_t> keys;  // (position, label) pairs
  for (size_t i = 0; i < result->ids.size(); ++i) {
    const auto it = position.find(result->ids[i]);
    if (it == position.end()) throw InternalError("evaluation id " + result->ids[i] + " is not in the source's order");
    keys.push_back(it->second);
    keys.push_back(result->labels[i]);
  }
  const auto local_keys = torch::tensor(keys, torch::kInt64).view({-1, 2});
  const auto all_keys = group.AllGatherRows(local_keys, "evaluation gather (ids)");
  const auto all_probs = group.AllGatherRows(result->probabilities.contiguous(), "evaluation gather (probabilities)");
  const torch::Tensor k = torch::cat(all_keys, 0), p = torch::cat(all_probs, 0);
  const torch::Tensor rows = k.select(1, 0).argsort();
  result->probabilities = p.index_select(0, rows).contiguous();
  const torch::Tensor labels = k.select(1, 1).index_select(0, rows).contiguous();
  const torch::Tensor sorted = k.select(1, 0).index_select(0, rows).contiguous();
  result->ids.clear();
  for (int64_t i = 0; i < sorted.size(0); ++i)
    result->ids.push_back(order[static_cast<size_t>(sorted[i].item<int64_t>())]);
  result->labels.assign(labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + labels.numel());
}

// Predictions and the mean cross-entropy from the rows' probabilities, summed in
// row order so that one process and several give the same number.
void Score(EvaluationResult* result) {
  const auto probs64 = result->probabilities.to(torch::kFloat64).contiguous();
  const auto acc = probs64.accessor<double, 2>();
  const torch::Tensor predictions = result->probabilities.argmax(1).contiguous();
  result->predictions.assign(predictions.data_ptr<int64_t>(), predictions.data_ptr<int64_t>() + predictions.numel());
  double loss_sum = 0;
  int64_t labelled = 0;
  for (size_t i = 0; i < result->labels.size(); ++i) {
    const int64_t l = result->labels[i];
    if (l < 0) continue;
    loss_sum += -std::log(std::max(acc[static_cast<int64_t>(i)][l], 1e-12));
    ++labelled;
  }
  result->loss = labelled > 0 ? loss_sum / labelled : std::nan("");
}

}  // namespace

EvaluationResult EvaluateModel(EmotionModel& model, BatchSource& source, const torch::Device& device, bool bf16,
                               int num_classes, ProcessGroup* group) {
  model->eval();
  torch::NoGradGuard no_grad;
  EvaluationResult result;
  std::vector<torch::Tensor> probabilities;
  int64_t batch_index = 0;
  source.ForEachBatch(0, [&](const Batch& cpu_batch) {
    const Batch batch = cpu_batch.To(device);
    torch::Tensor probs;
    {
      AutocastGuard autocast(device, bf16);
      probs = model->Probabilities(batch);
    }
    probs = probs.to(torch::kCPU, torch::kFloat32);
    if (!torch::isfinite(probs).all().item<bool>()) {
      throw DataError(Cat("non-finite class probabilities in evaluation batch ", batch_index,
                          " (0-based); utterances: ", IdList(batch.ids)));
    }
    const torch::Tensor labels = cpu_batch.labels.defined() ? cpu_batch.labels.to(torch::kInt64).cpu().contiguous()
                                                            : torch::full({batch.size()}, -1, torch::kInt64);
    const auto* l = labels.data_ptr<int64_t>();
    for (int64_t i = 0; i < batch.size(); ++i) {
      result.ids.push_back(batch.ids[i]);
      result.labels.push_back(l[i]);
    }
    probabilities.push_back(probs);
    ++batch_index;
  });
  result.probabilities = probabilities.empty() ? torch::zeros({0, num_classes}) : torch::cat(probabilities, 0);
  const std::vector<std::string> order = source.ResultOrder();
  if (group && group->world_size() > 1) {
    GatherEvaluation(*group, order, &result);
  } else if (!order.empty()) {
    result.predictions.assign(result.ids.size(), 0);  // Reorder moves every column
    result.Reorder(order);
  }
  Score(&result);
  return result;
}

}  // namespace merhan
