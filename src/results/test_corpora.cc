#include "merhan/results/test_corpora.h"

#include <sstream>

#include "merhan/data/corpus_entry.h"
#include "merhan/results/number_format.h"
#include "merhan/results/summary.h"
#include "merhan/runtime/classification_report.h"
#include "merhan/util/error.h"

namespace merhan {
namespace {

// The rows of `p` whose id belongs to corpus `name`.
FoldSeedPredictions Restrict(const FoldSeedPredictions& p, const std::string& name) {
  FoldSeedPredictions out;
  out.fold = p.fold;
  out.seed = p.seed;
  out.path = p.path + " (" + name + ")";
  out.num_classes = p.num_classes;
  const auto c = static_cast<size_t>(p.num_classes);
  for (size_t i = 0; i < p.size(); ++i) {
    if (CorpusOfId(p.ids[i]) != name) continue;
    out.ids.push_back(p.ids[i]);
    out.truth.push_back(p.truth[i]);
    out.predicted.push_back(p.predicted[i]);
    out.probabilities.insert(out.probabilities.end(), p.probabilities.begin() + static_cast<std::ptrdiff_t>(i * c),
                             p.probabilities.begin() + static_cast<std::ptrdiff_t>((i + 1) * c));
  }
  return out;
}

// The run summary's mean and sample std (ComputeMeanStd) of each metric over the runs.
void MeanAndStd(TestCorpusResult* r) {
  for (size_t k = 0; k < 3; ++k) {
    std::vector<double> values;
    for (const auto& m : r->per_run) values.push_back(m[k]);
    const MeanStd m = ComputeMeanStd(values);
    r->mean[k] = m.mean;
    r->std[k] = m.std;
  }
}

}  // namespace

nlohmann::json TestCorpusResult::ToJson() const {
  nlohmann::json j = {{"name", name}, {"utterances", utterances}, {"runs", per_run.size()}};
  for (size_t k = 0; k < kBootstrapMetrics.size(); ++k) {
    nlohmann::json m = {{"mean", mean[k]}, {"std", std[k]}};
    if (k < intervals.size()) m["interval"] = {{"low", intervals[k].low}, {"high", intervals[k].high}};
    j[kBootstrapMetrics[k]] = m;
  }
  return j;
}

std::vector<TestCorpusResult> SummariseTestCorpora(const std::vector<FoldSeedPredictions>& predictions,
                                                   const std::vector<std::string>& names,
                                                   const stats::BootstrapOptions& options) {
  std::vector<TestCorpusResult> results;
  for (const std::string& name : names) {
    TestCorpusResult r;
    r.name = name;
    std::vector<FoldSeedPredictions> restricted;
    for (const auto& p : predictions) {
      restricted.push_back(Restrict(p, name));
      const FoldSeedPredictions& q = restricted.back();
      if (q.size() == 0) throw DataError(p.path + ": no test utterance of corpus " + name);
      r.utterances = static_cast<int64_t>(q.size());
      const ClassificationReport report = ComputeClassificationReport(q.truth, q.predicted, q.num_classes);
      r.per_run.push_back({report.war, report.uar, report.macro_f1});
    }
    if (r.per_run.empty()) throw DataError("no test results for corpus " + name);
    MeanAndStd(&r);
    if (options.replicates > 0) {
      const auto intervals = BootstrapRunMetrics(restricted, options);
      r.intervals.assign(intervals.begin(), intervals.end());
    }
    results.push_back(std::move(r));
  }
  return results;
}

std::string TestCorporaMarkdown(const std::vector<TestCorpusResult>& results, double confidence) {
  std::ostringstream out;
  for (const TestCorpusResult& r : results) {
    out << "\n### Test corpus " << r.name << " (" << r.utterances << " utterances, " << r.per_run.size()
        << (r.per_run.size() == 1 ? " run" : " runs") << ")\n\n| metric | mean ± std (%) | "
        << FormatFixed(100 * confidence, 0) << " % CI (%) |\n|---|---|---|\n";
    const char* labels[3] = {"WAR", "UAR", "macro-F1"};
    for (size_t k = 0; k < 3; ++k) {
      out << "| " << labels[k] << " | " << FormatFixed(100 * r.mean[k], 2) << " ± " << FormatFixed(100 * r.std[k], 2)
          << " | ";
      if (k < r.intervals.size()) {
        out << "[" << FormatFixed(100 * r.intervals[k].low, 2) << ", " << FormatFixed(100 * r.intervals[k].high, 2)
            << "]";
      } else {
        out << "–";
      }
      out << " |\n";
    }
  }
  return out.str();
}

}  // namespace merhan
