#include "merhan/train/summary.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"

namespace merhan {

nlohmann::json FoldOutcome::ToJson(const std::vector<std::string>& classes) const {
  return {{"fold", fold},           {"fold_name", fold_name}, {"seed", seed},
          {"best_epoch", best_epoch}, {"epochs_run", epochs_run}, {"test_loss", test_loss},
          {"test", test.ToJson(classes)}};
}

FoldOutcome FoldOutcome::FromJson(const nlohmann::json& j, const std::string& origin) {
  FoldOutcome o;
  try {
    o.fold = j.at("fold").get<int>();
    o.fold_name = j.at("fold_name").get<std::string>();
    o.seed = j.at("seed").get<int>();
    o.best_epoch = j.at("best_epoch").get<int>();
    o.epochs_run = j.at("epochs_run").get<int>();
    o.test_loss = j.at("test_loss").is_number() ? j.at("test_loss").get<double>() : std::nan("");
  } catch (const nlohmann::json::exception& e) {
    throw DataError(origin + ": malformed fold result: " + e.what());
  }
  o.test = ClassificationReport::FromJson(j.at("test"), origin);
  return o;
}

MeanStd ComputeMeanStd(const std::vector<double>& values) {
  MeanStd m;
  m.n = static_cast<int>(values.size());
  if (values.empty()) return m;
  double sum = 0;
  for (double v : values) sum += v;
  m.mean = sum / m.n;
  if (m.n > 1) {
    double ss = 0;
    for (double v : values) ss += (v - m.mean) * (v - m.mean);
    m.std = std::sqrt(ss / (m.n - 1));
  }
  return m;
}

const std::vector<std::string>& SummaryMetricNames() {
  static const std::vector<std::string> names = {"war", "uar", "macro_f1", "weighted_f1"};
  return names;
}

namespace {

double MetricOf(const ClassificationReport& r, const std::string& name) {
  if (name == "war") return r.war;
  if (name == "uar") return r.uar;
  if (name == "macro_f1") return r.macro_f1;
  return r.weighted_f1;
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

const char* const kHeaders[] = {"WAR", "UAR", "macro-F1", "weighted-F1"};

}  // namespace

RunSummary RunSummary::From(const std::vector<FoldOutcome>& outcomes, const std::vector<std::string>& classes) {
  RunSummary s;
  s.classes = classes;
  s.outcomes = outcomes;
  for (const auto& name : SummaryMetricNames()) {
    std::vector<double> values;
    for (const auto& o : outcomes) values.push_back(MetricOf(o.test, name));
    s.metrics.push_back(ComputeMeanStd(values));
  }
  const size_t c = classes.size();
  s.confusion.assign(c, std::vector<int64_t>(c, 0));
  for (const auto& o : outcomes) {
    for (size_t i = 0; i < c && i < o.test.confusion.size(); ++i) {
      for (size_t k = 0; k < c && k < o.test.confusion[i].size(); ++k) s.confusion[i][k] += o.test.confusion[i][k];
    }
  }
  return s;
}

nlohmann::json RunSummary::ToJson() const {
  nlohmann::json folds = nlohmann::json::array();
  for (const auto& o : outcomes) folds.push_back(o.ToJson(classes));
  nlohmann::json mean_std = nlohmann::json::object();
  for (size_t i = 0; i < metrics.size(); ++i) {
    mean_std[SummaryMetricNames()[i]] = {{"mean", metrics[i].mean}, {"std", metrics[i].std}, {"n", metrics[i].n}};
  }
  return {{"classes", classes},
          {"runs", folds},
          {"mean_std", mean_std},
          {"std_kind", "sample standard deviation (n - 1) over every (fold, seed) test result"},
          {"confusion_summed", confusion}};
}

std::string RunSummary::ToCsv() const {
  std::ostringstream out;
  out << "fold,fold_name,seed,best_epoch,epochs_run,test_loss,war,uar,macro_f1,weighted_f1\n";
  for (const auto& o : outcomes) {
    out << o.fold << "," << o.fold_name << "," << o.seed << "," << o.best_epoch + 1 << "," << o.epochs_run << ","
        << Fixed(o.test_loss, 6);
    for (const auto& name : SummaryMetricNames()) out << "," << Fixed(MetricOf(o.test, name), 6);
    out << "\n";
  }
  out << "mean,,,,,";
  for (const auto& m : metrics) out << "," << Fixed(m.mean, 6);
  out << "\nstd,,,,,";
  for (const auto& m : metrics) out << "," << Fixed(m.std, 6);
  out << "\n";
  return out.str();
}

std::string RunSummary::ToMarkdown() const {
  std::ostringstream out;
  out << "| fold | seed | best epoch |";
  for (const char* h : kHeaders) out << " " << h << " (%) |";
  out << "\n|---|---|---|---|---|---|---|\n";
  for (const auto& o : outcomes) {
    out << "| " << o.fold << (o.fold_name.empty() ? "" : " (" + o.fold_name + ")") << " | " << o.seed << " | "
        << o.best_epoch + 1 << " |";
    for (const auto& name : SummaryMetricNames()) out << " " << Fixed(100 * MetricOf(o.test, name), 2) << " |";
    out << "\n";
  }
  out << "| **mean ± std** | " << (outcomes.empty() ? 0 : static_cast<int>(outcomes.size())) << " runs | |";
  for (const auto& m : metrics) out << " **" << Fixed(100 * m.mean, 2) << " ± " << Fixed(100 * m.std, 2) << "** |";
  out << "\n";
  return out.str();
}

void RunSummary::Write(const std::string& dir) const {
  WriteStringAtomically(dir + "/summary.json", ToJson().dump(2) + "\n");
  WriteStringAtomically(dir + "/summary.csv", ToCsv());
  WriteStringAtomically(dir + "/summary.md", ToMarkdown());
}

}  // namespace merhan
