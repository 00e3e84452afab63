#include "merhan/runtime/evaluation.h"

#include <cmath>
#include <iomanip>
#include <sstream>
#include <unordered_map>

#include "merhan/util/error.h"

namespace merhan {

ClassificationReport EvaluationResult::Metrics(int num_classes) const {
  std::vector<int64_t> y_true, y_pred;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0) continue;
    y_true.push_back(labels[i]);
    y_pred.push_back(predictions[i]);
  }
  return ComputeClassificationReport(y_true, y_pred, num_classes);
}

void EvaluationResult::Reorder(const std::vector<std::string>& ids_in_order) {
  std::unordered_map<std::string, size_t> position;
  for (size_t i = 0; i < ids_in_order.size(); ++i) position.emplace(ids_in_order[i], i);
  std::vector<int64_t> rows(ids.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int64_t>(i);
  auto key = [&](int64_t row) {
    const auto it = position.find(ids[static_cast<size_t>(row)]);
    return it == position.end() ? ids_in_order.size() : it->second;
  };
  std::stable_sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) { return key(a) < key(b); });
  std::vector<std::string> new_ids;
  std::vector<int64_t> new_labels, new_predictions;
  for (int64_t r : rows) {
    new_ids.push_back(std::move(ids[static_cast<size_t>(r)]));
    new_labels.push_back(labels[static_cast<size_t>(r)]);
    new_predictions.push_back(predictions[static_cast<size_t>(r)]);
  }
  ids = std::move(new_ids);
  labels = std::move(new_labels);
  predictions = std::move(new_predictions);
  if (probabilities.defined() && probabilities.size(0) == static_cast<int64_t>(rows.size())) {
    probabilities = probabilities.index_select(0, torch::tensor(rows, torch::kInt64));
  }
}

std::string EvaluationResult::PredictionsCsv(const std::vector<std::string>& classes) const {
  std::ostringstream out;
  out << "id,true,pred";
  for (const auto& c : classes) out << ",p_" << c;
  out << "\n";
  auto name = [&](int64_t k) {
    return k >= 0 && k < static_cast<int64_t>(classes.size()) ? classes[k] : std::string();
  };
  const auto probs = probabilities.defined() ? probabilities.to(torch::kFloat64).contiguous() : torch::Tensor();
  out << std::setprecision(6);
  const int64_t num_classes = static_cast<int64_t>(classes.size());
  if (!ids.empty() && (!probs.defined() || probs.dim() != 2 || probs.size(1) != num_classes ||
                       probs.size(0) != static_cast<int64_t>(ids.size()))) {
    throw InternalError("EvaluationResult: probabilities do not match ids and classes");
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    // Ids are corpus names (no commas in IEMOCAP); quote defensively anyway.
    const bool quote = ids[i].find_first_of(",\"\n") != std::string::npos;
    if (quote) {
      std::string escaped;
      for (char ch : ids[i]) escaped += ch == '"' ? std::string("\"\"") : std::string(1, ch);
      out << '"' << escaped << '"';
    } else {
      out << ids[i];
    }
    out << "," << name(labels[i]) << "," << name(predictions[i]);
    const double* row = probs.data_ptr<double>() + static_cast<int64_t>(i) * num_classes;
    for (int64_t c = 0; c < num_classes; ++c) out << "," << row[c];
    out << "\n";
  }
  return out.str();
}

}  // namespace merhan
