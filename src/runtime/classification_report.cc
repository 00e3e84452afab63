#include "merhan/runtime/classification_report.h"

#include "merhan/runtime/metrics.h"
#include "merhan/util/error.h"

namespace merhan {

nlohmann::json ClassificationReport::ToJson(const std::vector<std::string>& classes) const {
  nlohmann::json per_class = nlohmann::json::object();
  for (size_t c = 0; c < classes.size() && c < recall.size(); ++c) {
    per_class[classes[c]] = {
        {"precision", precision[c]}, {"recall", recall[c]}, {"f1", f1[c]}, {"support", support[c]}};
  }
  return {{"count", count},
          {"war", war},
          {"uar", uar},
          {"macro_f1", macro_f1},
          {"weighted_f1", weighted_f1},
          {"classes", classes},
          {"per_class", per_class},
          {"confusion", confusion}};
}

ClassificationReport ClassificationReport::FromJson(const nlohmann::json& j, const std::string& origin) {
  ClassificationReport r;
  try {
    r.count = j.at("count").get<int64_t>();
    r.war = j.at("war").get<double>();
    r.uar = j.at("uar").get<double>();
    r.macro_f1 = j.at("macro_f1").get<double>();
    r.weighted_f1 = j.at("weighted_f1").get<double>();
    r.confusion = j.at("confusion").get<std::vector<std::vector<int64_t>>>();
    for (const auto& name : j.at("classes")) {
      const auto& c = j.at("per_class").at(name.get<std::string>());
      r.precision.push_back(c.at("precision").get<double>());
      r.recall.push_back(c.at("recall").get<double>());
      r.f1.push_back(c.at("f1").get<double>());
      r.support.push_back(c.at("support").get<int64_t>());
    }
  } catch (const nlohmann::json::exception& e) {
    throw DataError(origin + ": malformed metrics: " + e.what());
  }
  return r;
}

ClassificationReport ComputeClassificationReport(const std::vector<int64_t>& y_true, const std::vector<int64_t>& y_pred,
                                                 int num_classes) {
  const ClassificationMetrics m = ComputeMetrics(y_true, y_pred, num_classes);
  ClassificationReport r;
  r.count = m.count;
  r.war = m.war;
  r.uar = m.uar;
  r.macro_f1 = m.macro_f1;
  r.weighted_f1 = m.weighted_f1;
  for (const ClassMetrics& c : m.per_class) {
    r.precision.push_back(c.precision);
    r.recall.push_back(c.recall);
    r.f1.push_back(c.f1);
    r.support.push_back(c.support);
  }
  r.confusion = m.confusion;
  return r;
}

}  // namespace merhan
