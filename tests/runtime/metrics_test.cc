// Metrics against scikit-learn 1.9 (fixture from scripts/ref_metrics.py:
// accuracy_score, recall_score/precision_score/f1_score with labels=range(C) and
// zero_division=0, precision_recall_fscore_support, confusion_matrix).
// Tolerance 1e-12 (both sides compute the same ratios in double precision).
#include "merhan/runtime/metrics.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "merhan/util/error.h"
#include "test_util.h"

namespace merhan {
namespace {

constexpr double kTolerance = 1e-12;

nlohmann::json LoadFixture() {
  const std::string path = testing::FixtureDir() + "/train/metrics_sklearn.json";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

TEST(Metrics, MatchScikitLearnOnRandomAndEdgeCases) {
  const auto fixture = LoadFixture();
  ASSERT_GE(fixture["cases"].size(), 10u);
  for (const auto& c : fixture["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const int n = c["num_classes"];
    const auto m = ComputeMetrics(c["y_true"].get<std::vector<int64_t>>(), c["y_pred"].get<std::vector<int64_t>>(), n);
    const auto& e = c["expected"];
    EXPECT_NEAR(m.war, e["war"].get<double>(), kTolerance);
    EXPECT_NEAR(m.uar, e["uar"].get<double>(), kTolerance);
    EXPECT_NEAR(m.macro_precision, e["macro_precision"].get<double>(), kTolerance);
    EXPECT_NEAR(m.macro_f1, e["macro_f1"].get<double>(), kTolerance);
    EXPECT_NEAR(m.weighted_f1, e["weighted_f1"].get<double>(), kTolerance);
    ASSERT_EQ(m.per_class.size(), static_cast<size_t>(n));
    for (int k = 0; k < n; ++k) {
      EXPECT_NEAR(m.per_class[k].precision, e["precision"][k].get<double>(), kTolerance) << "class " << k;
      EXPECT_NEAR(m.per_class[k].recall, e["recall"][k].get<double>(), kTolerance) << "class " << k;
      EXPECT_NEAR(m.per_class[k].f1, e["f1"][k].get<double>(), kTolerance) << "class " << k;
      EXPECT_EQ(m.per_class[k].support, e["support"][k].get<int64_t>()) << "class " << k;
    }
    EXPECT_EQ(m.confusion, e["confusion"].get<std::vector<std::vector<int64_t>>>());
    EXPECT_EQ(m.count, static_cast<int64_t>(c["y_true"].size()));
  }
}

TEST(Metrics, FixtureCoversTheEdgeCases) {
  // The edge cases the metrics must get right are present (and hence checked above).
  std::set<std::string> names;
  const auto fixture = LoadFixture();  // kept alive: the loop iterates a member of it
  for (const auto& c : fixture["cases"]) names.insert(c["name"].get<std::string>());
  for (const char* required : {"all_correct", "class_never_predicted", "class_absent_from_truth", "all_wrong"}) {
    EXPECT_TRUE(names.count(required)) << required;
  }
}

TEST(Metrics, ZeroDivisionGivesZeroAndNamesAreInJson) {
  // Class 2 is never predicted and never true; class 1 is predicted but never true.
  const auto m = ComputeMetrics({0, 0, 0}, {0, 1, 0}, 3);
  EXPECT_DOUBLE_EQ(m.per_class[1].precision, 0.0);
  EXPECT_DOUBLE_EQ(m.per_class[1].recall, 0.0);
  EXPECT_DOUBLE_EQ(m.per_class[2].f1, 0.0);
  EXPECT_DOUBLE_EQ(m.war, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.uar, (2.0 / 3.0) / 3.0);  // absent classes count as 0 in the macro mean
  const auto json = m.ToJson({"neu", "hap", "ang"});
  EXPECT_EQ(json["per_class"][1]["class"], "hap");
  EXPECT_EQ(json["confusion"][0][1], 1);
  EXPECT_DOUBLE_EQ(json["war"].get<double>(), m.war);
  EXPECT_EQ(json["classes"].size(), 3u);
}

TEST(Metrics, EmptyInputGivesZerosAndBadLabelsThrow) {
  const auto m = ComputeMetrics({}, {}, 4);
  EXPECT_EQ(m.count, 0);
  EXPECT_DOUBLE_EQ(m.war, 0.0);
  EXPECT_DOUBLE_EQ(m.weighted_f1, 0.0);
  EXPECT_THROW(ComputeMetrics({0, 1}, {0}, 4), InternalError);
  EXPECT_THROW(ComputeMetrics({0, 4}, {0, 1}, 4), InternalError);
  EXPECT_THROW(ComputeMetrics({0, -1}, {0, 1}, 4), InternalError);
}

TEST(Metrics, MergedMatricesEqualOneMatrixOverAllLabels) {
  auto a = ConfusionMatrix::FromLabels({0, 1, 2}, {0, 2, 2}, 3);
  const auto b = ConfusionMatrix::FromLabels({1, 1}, {1, 0}, 3);
  a.Merge(b);
  const auto whole = ConfusionMatrix::FromLabels({0, 1, 2, 1, 1}, {0, 2, 2, 1, 0}, 3);
  EXPECT_EQ(a.Rows(), whole.Rows());
  EXPECT_EQ(a.total(), 5);
}

}  // namespace
}  // namespace merhan
