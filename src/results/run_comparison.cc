#include "merhan/results/run_comparison.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "merhan/results/html.h"
#include "merhan/results/metric_bootstrap.h"
#include "merhan/results/number_format.h"
#include "merhan/results/run_layout.h"
#include "merhan/results/run_predictions.h"
#include "merhan/stats/holm.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/config_registry.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;
namespace {

const char* const kMetricLabels[] = {"WAR", "UAR", "macro-F1"};

struct LoadedRun {
  std::string dir, name, protocol;
  std::vector<std::string> classes;
  std::vector<FoldOutcome> outcomes;             // sorted by (fold, seed)
  std::vector<FoldSeedPredictions> predictions;  // same order
};

double MetricOf(const ClassificationReport& r, int k) { return k == 0 ? r.war : k == 1 ? r.uar : r.macro_f1; }

std::string ListOf(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return "[" + s + "]";
}

LoadedRun LoadRun(const std::string& dir) {
  if (!fs::is_directory(dir)) throw DataError("run directory " + dir + " does not exist");
  LoadedRun run;
  run.dir = dir;
  const std::string config_path = dir + "/config.json";
  if (!fs::exists(config_path))
    throw DataError(config_path + ": missing (is " + dir + " a run directory of merhan train?)");
  const auto config = ParseJson(ReadFileToString(config_path), config_path);
  try {
    run.classes = config.at("data").at("classes").get<std::vector<std::string>>();
    run.protocol = config.at("data").value("protocol", "");
    run.name = config.contains("run") ? config["run"].value("name", "") : "";
  } catch (const nlohmann::json::exception& e) {
    throw DataError(config_path + ": no data.classes: " + e.what());
  }
  if (run.name.empty()) run.name = fs::path(dir).filename().string();
  for (const FoldSeedEntry& entry : ListFoldSeeds(dir)) {
    if (!entry.finished) continue;
    const std::string test = entry.dir + "/test_metrics.json";
    FoldOutcome o = FoldOutcome::FromJson(ParseJson(ReadFileToString(test), test), test);
    if (o.fold != entry.fold || o.seed != entry.seed) {
      throw DataError(
          Cat(test, ": says fold ", o.fold, " seed ", o.seed, " but lies in fold-", entry.fold, "/seed-", entry.seed));
    }
    run.outcomes.push_back(std::move(o));
  }
  if (run.outcomes.empty())
    throw DataError(dir + ": no finished (fold, seed) result (fold-K/seed-S/test_metrics.json)");
  std::sort(run.outcomes.begin(), run.outcomes.end(), [](const FoldOutcome& a, const FoldOutcome& b) {
    return a.fold != b.fold ? a.fold < b.fold : a.seed < b.seed;
  });
  return run;  // predictions are read once the runs are known to be comparable
}

void ReadPredictions(LoadedRun* run) {
  std::vector<std::pair<int, int>> fold_seeds;
  for (const auto& o : run->outcomes) fold_seeds.emplace_back(o.fold, o.seed);
  run->predictions = ReadRunPredictions(run->dir, fold_seeds, run->classes);
}

std::set<int> FoldsOf(const LoadedRun& r) {
  std::set<int> folds;
  for (const auto& o : r.outcomes) folds.insert(o.fold);
  return folds;
}

std::string FoldList(const std::set<int>& folds) {
  std::string s;
  for (int f : folds) s += (s.empty() ? "" : ",") + std::to_string(f);
  return "{" + s + "}";
}

}  // namespace

namespace {

void CheckCompareOptions(const std::vector<std::string>& run_dirs, const CompareOptions& options) {
  if (run_dirs.size() < 2) throw UsageError("compare: need at least two run directories");
  if (options.replicates < 1) throw UsageError(Cat("compare: --bootstrap must be >= 1, got ", options.replicates));
  if (!(options.confidence > 0 && options.confidence < 1)) {
    throw UsageError(Cat("compare: --confidence must be in (0, 1), got ", options.confidence));
  }
  if (!(options.alpha > 0 && options.alpha < 1))
    throw UsageError(Cat("compare: --alpha must be in (0, 1), got ", options.alpha));
  std::set<std::string> seen;
  for (const auto& d : run_dirs) {
    const std::string key = fs::weakly_canonical(d).string();
    if (!seen.insert(key).second) throw UsageError("compare: run directory " + d + " is given twice");
  }
}

// The index of --reference among `run_dirs` (the first when none is given).
size_t ReferenceIndex(const std::vector<std::string>& run_dirs, const CompareOptions& options) {
  if (options.reference.empty()) return 0;
  const std::string want = fs::weakly_canonical(options.reference).string();
  for (size_t i = 0; i < run_dirs.size(); ++i) {
    if (fs::weakly_canonical(run_dirs[i]).string() == want) return i;
  }
  throw UsageError("compare: --reference " + options.reference + " is not one of the run directories given");
}

// Same classes, protocol and tested folds as the reference, or a UsageError saying which differs.
void CheckComparable(const std::vector<LoadedRun>& runs, const LoadedRun& ref) {
  const std::set<int> ref_folds = FoldsOf(ref);
  for (const auto& r : runs) {
    if (r.classes != ref.classes) {
      throw UsageError("compare: " + r.dir + " has classes " + ListOf(r.classes) + " but the reference " + ref.dir +
                       " has " + ListOf(ref.classes) + "; runs over different classes cannot be compared");
    }
    if (r.protocol != ref.protocol) {
      throw UsageError("compare: " + r.dir + " used protocol " + r.protocol + " but the reference " + ref.dir +
                       " used " + ref.protocol + "; their folds differ");
    }
    if (FoldsOf(r) != ref_folds) {
      throw UsageError("compare: " + r.dir + " tested folds " + FoldList(FoldsOf(r)) + " but the reference " + ref.dir +
                       " tested " + FoldList(ref_folds) + "; compare runs over the same folds");
    }
  }
}

// Run names, made unique with the directory name where two runs share one.
std::vector<std::string> DisplayNames(const std::vector<LoadedRun>& runs) {
  std::map<std::string, int> name_count;
  for (const auto& r : runs) ++name_count[r.name];
  std::vector<std::string> names;
  for (const auto& r : runs) {
    names.push_back(name_count[r.name] > 1 ? r.name + " (" + fs::path(r.dir).filename().string() + ")" : r.name);
  }
  return names;
}

// Every run's test utterances aligned on the reference's order; `order` lists
// the runs reference first. The alignment points into `predictions`, which the
// caller keeps alive as long as it.
AlignedRuns AlignOnReference(const std::vector<LoadedRun>& runs, const std::vector<size_t>& order,
                             std::vector<std::vector<FoldSeedPredictions>>* predictions) {
  std::vector<std::string> ordered_names;
  for (size_t i : order) {
    predictions->push_back(runs[i].predictions);
    ordered_names.push_back(runs[i].dir);
  }
  std::string error;
  AlignedRuns aligned = AlignedRuns::Align(*predictions, ordered_names, &error);
  if (!error.empty()) throw UsageError("compare: " + error);
  return aligned;
}

// Per aligned run a (a >= 1): the (reference part, run part) pairs of the same (fold, seed).
using CommonPairs = std::vector<std::vector<std::pair<size_t, size_t>>>;
CommonPairs FindCommonPairs(const AlignedRuns& aligned, const std::vector<LoadedRun>& runs,
                            const std::vector<size_t>& order) {
  const auto& ref_parts = aligned.runs()[0];
  CommonPairs common(order.size());
  for (size_t a = 1; a < order.size(); ++a) {
    const auto& parts = aligned.runs()[a];
    for (size_t i = 0; i < ref_parts.size(); ++i) {
      for (size_t j = 0; j < parts.size(); ++j) {
        if (parts[j].fold == ref_parts[i].fold && parts[j].seed == ref_parts[i].seed) common[a].emplace_back(i, j);
      }
    }
    if (common[a].empty()) {
      throw UsageError("compare: " + runs[order[a]].dir + " shares no (fold, seed) pair with the reference " +
                       runs[order[0]].dir + " (different run.seeds?); a paired comparison needs at least one");
    }
  }
  return common;
}

// One bootstrap for everything, so that every interval sees the same resamples:
// values = per run 3 means, then per non-reference run 3 paired mean differences.
std::vector<stats::Interval> BootstrapAll(const AlignedRuns& aligned, const CommonPairs& common,
                                          const CompareOptions& options) {
  const size_t R = common.size();
  auto statistic = [&](const stats::StratifiedSample& sample) {
    std::vector<std::vector<MetricTriple>> part_metrics(R);
    for (size_t a = 0; a < R; ++a) {
      for (const auto& part : aligned.runs()[a]) part_metrics[a].push_back(aligned.PartMetrics(part, &sample));
    }
    std::vector<double> values;
    for (size_t a = 0; a < R; ++a) {
      for (int k = 0; k < 3; ++k) {
        double mean = 0;
        for (const auto& m : part_metrics[a]) mean += m[k];
        values.push_back(mean / static_cast<double>(part_metrics[a].size()));
      }
    }
    for (size_t a = 1; a < R; ++a) {
      for (int k = 0; k < 3; ++k) {
        double mean = 0;
        for (const auto& [i, j] : common[a]) mean += part_metrics[a][j][k] - part_metrics[0][i][k];
        values.push_back(mean / static_cast<double>(common[a].size()));
      }
    }
    return values;
  };
  stats::BootstrapOptions boot;
  boot.replicates = options.replicates;
  boot.seed = options.seed;
  boot.confidence = options.confidence;
  return stats::StratifiedBootstrap(aligned.fold_sizes(), statistic, boot);
}

// Mean ± std over (fold, seed) and the bootstrap interval of aligned run `a`,
// checked against the bootstrap's own estimate from predictions.csv.
void FillRunMetrics(const LoadedRun& run, const std::vector<stats::Interval>& intervals, size_t a, ComparedRun* c) {
  for (const auto& o : run.outcomes) c->fold_seeds.emplace_back(o.fold, o.seed);
  for (int k = 0; k < 3; ++k) {
    std::vector<double> values;
    for (const auto& o : run.outcomes) values.push_back(MetricOf(o.test, k));
    c->metrics[k].mean_std = ComputeMeanStd(values);
    c->metrics[k].interval = intervals[3 * a + k];
    // The bootstrap's estimate recomputes the metrics from predictions.csv; it
    // must agree with test_metrics.json, or the files do not belong together.
    if (std::fabs(c->metrics[k].interval.estimate - c->metrics[k].mean_std.mean) > 1e-6) {
      throw DataError(Cat(c->dir, ": ", kBootstrapMetrics[k], " from predictions.csv (",
                          c->metrics[k].interval.estimate, ") differs from test_metrics.json (",
                          c->metrics[k].mean_std.mean, ")"));
    }
  }
}

// Paired differences of aligned run `a` (>= 1) to the reference: wins, ties,
// losses, the bootstrap interval of the mean difference and Wilcoxon.
void FillPairedMetrics(const AlignedRuns& aligned, const CommonPairs& common,
                       const std::vector<stats::Interval>& intervals, size_t a, ComparedRun* c) {
  const size_t R = common.size();
  const auto& ref_parts = aligned.runs()[0];
  const auto& parts = aligned.runs()[a];
  c->paired = static_cast<int>(common[a].size());
  for (int k = 0; k < 3; ++k) {
    PairedMetric& p = c->paired_metrics[k];
    std::vector<double> d;
    for (const auto& [ri, rj] : common[a]) {
      const double diff = aligned.PartMetrics(parts[rj], nullptr)[k] - aligned.PartMetrics(ref_parts[ri], nullptr)[k];
      d.push_back(diff);
      p.wins += diff > 0;
      p.ties += diff == 0;
      p.losses += diff < 0;
    }
    p.interval = intervals[3 * R + 3 * (a - 1) + k];
    p.mean_difference = p.interval.estimate;
    p.wilcoxon = stats::WilcoxonSignedRank(d);
  }
}

// McNemar on every utterance of every common (fold, seed): b = only the
// reference right, c = only this run right.
void FillMcNemar(const AlignedRuns& aligned, const CommonPairs& common, size_t a, ComparedRun* c) {
  const auto& ref_parts = aligned.runs()[0];
  const auto& parts = aligned.runs()[a];
  int64_t b = 0, cc = 0, n = 0;
  for (const auto& [ri, rj] : common[a]) {
    const auto& rp = ref_parts[ri];
    const auto& cp = parts[rj];
    for (size_t k = 0; k < rp.row_of.size(); ++k) {
      const auto& rd = *rp.data;
      const auto& cd = *cp.data;
      const bool ref_right = rd.truth[rp.row_of[k]] == rd.predicted[rp.row_of[k]];
      const bool run_right = cd.truth[cp.row_of[k]] == cd.predicted[cp.row_of[k]];
      b += ref_right && !run_right;
      cc += !ref_right && run_right;
      ++n;
    }
  }
  c->pooled_utterances = n;
  c->mcnemar = stats::McNemar(b, cc, stats::McNemarForm::kExact);
  c->mcnemar_chi2 = stats::McNemar(b, cc, stats::McNemarForm::kChiSquareCorrected);
}

// Holm across the compared runs: one family per metric (Wilcoxon) and one for McNemar.
void ApplyHolm(double alpha, RunComparison* out) {
  std::vector<size_t> candidates;
  for (size_t i = 0; i < out->runs.size(); ++i)
    if (!out->runs[i].is_reference) candidates.push_back(i);
  for (int k = 0; k < 3; ++k) {
    std::vector<double> p;
    for (size_t i : candidates) p.push_back(out->runs[i].paired_metrics[k].wilcoxon.pvalue);
    const auto holm = stats::HolmCorrection(p, alpha);
    for (size_t j = 0; j < candidates.size(); ++j) {
      out->runs[candidates[j]].paired_metrics[k].wilcoxon_holm = holm.adjusted[j];
      out->runs[candidates[j]].paired_metrics[k].significant = holm.reject[j];
    }
  }
  std::vector<double> p;
  for (size_t i : candidates) p.push_back(out->runs[i].mcnemar.pvalue);
  const auto holm = stats::HolmCorrection(p, alpha);
  for (size_t j = 0; j < candidates.size(); ++j) {
    out->runs[candidates[j]].mcnemar_holm = holm.adjusted[j];
    out->runs[candidates[j]].mcnemar_significant = holm.reject[j];
  }
}

}  // namespace

RunComparison CompareRuns(const std::vector<std::string>& run_dirs, const CompareOptions& options) {
  CheckCompareOptions(run_dirs, options);
  const size_t reference = ReferenceIndex(run_dirs, options);
  std::vector<LoadedRun> runs;
  for (const auto& d : run_dirs) runs.push_back(LoadRun(d));
  const LoadedRun& ref = runs[reference];
  CheckComparable(runs, ref);
  for (auto& r : runs) ReadPredictions(&r);
  const std::vector<std::string> names = DisplayNames(runs);

  // The reference goes first from here on; output keeps the order given.
  std::vector<size_t> order = {reference};
  for (size_t i = 0; i < runs.size(); ++i)
    if (i != reference) order.push_back(i);
  std::vector<std::vector<FoldSeedPredictions>> predictions;
  const AlignedRuns aligned = AlignOnReference(runs, order, &predictions);
  const CommonPairs common = FindCommonPairs(aligned, runs, order);
  const std::vector<stats::Interval> intervals = BootstrapAll(aligned, common, options);

  RunComparison out;
  out.classes = ref.classes;
  out.protocol = ref.protocol;
  const std::set<int> ref_folds = FoldsOf(ref);
  out.folds.assign(ref_folds.begin(), ref_folds.end());
  out.options = options;
  out.reference = reference;
  out.runs.resize(runs.size());
  for (size_t a = 0; a < order.size(); ++a) {
    ComparedRun& c = out.runs[order[a]];
    c.dir = runs[order[a]].dir;
    c.name = names[order[a]];
    c.is_reference = a == 0;
    FillRunMetrics(runs[order[a]], intervals, a, &c);
    if (a == 0) continue;
    FillPairedMetrics(aligned, common, intervals, a, &c);
    FillMcNemar(aligned, common, a, &c);
  }
  ApplyHolm(options.alpha, &out);
  return out;
}

// ---------------------------------------------------------------- rendering

namespace {

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

nlohmann::json NumberOrNull(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

std::string Method(const CompareOptions& o) {
  return Cat(FormatFixed(100 * o.confidence, 0),
             " % percentile bootstrap intervals (test utterances resampled within each "
             "fold, the same resample for every run and seed; ",
             o.replicates, " replicates, seed ", o.seed,
             "); Wilcoxon signed-rank over the per-(fold, seed) differences and McNemar (exact) on the pooled "
             "per-utterance outcomes of the common (fold, seed) pairs, each Holm-corrected across the compared runs "
             "at alpha = ",
             o.alpha);
}

}  // namespace

nlohmann::json RunComparison::ToJson() const {
  nlohmann::json j;
  j["classes"] = classes;
  j["protocol"] = protocol;
  j["folds"] = folds;
  j["reference"] = runs[reference].dir;
  j["method"] = Method(options);
  j["bootstrap"] = {{"replicates", options.replicates}, {"seed", options.seed}, {"confidence", options.confidence}};
  j["alpha"] = options.alpha;
  j["runs"] = nlohmann::json::array();
  for (const auto& r : runs) {
    nlohmann::json run = {{"name", r.name}, {"dir", r.dir}, {"reference", r.is_reference}};
    nlohmann::json pairs = nlohmann::json::array();
    for (const auto& [f, s] : r.fold_seeds) pairs.push_back({{"fold", f}, {"seed", s}});
    run["fold_seeds"] = pairs;
    for (int k = 0; k < 3; ++k) {
      const auto& m = r.metrics[k];
      run["metrics"][kBootstrapMetrics[k]] = {{"mean", m.mean_std.mean},
                                              {"std", m.mean_std.std},
                                              {"n", m.mean_std.n},
                                              {"ci_low", m.interval.low},
                                              {"ci_high", m.interval.high}};
    }
    if (!r.is_reference) {
      run["paired"] = r.paired;
      for (int k = 0; k < 3; ++k) {
        const auto& p = r.paired_metrics[k];
        run["difference"][kBootstrapMetrics[k]] = {{"mean", p.mean_difference},
                                                   {"ci_low", p.interval.low},
                                                   {"ci_high", p.interval.high},
                                                   {"wins", p.wins},
                                                   {"ties", p.ties},
                                                   {"losses", p.losses},
                                                   {"wilcoxon",
                                                    {{"statistic", NumberOrNull(p.wilcoxon.statistic)},
                                                     {"pvalue", NumberOrNull(p.wilcoxon.pvalue)},
                                                     {"method", p.wilcoxon.method},
                                                     {"n", p.wilcoxon.n},
                                                     {"zeros", p.wilcoxon.n_zero},
                                                     {"holm_pvalue", NumberOrNull(p.wilcoxon_holm)},
                                                     {"significant", p.significant}}}};
      }
      run["mcnemar"] = {{"utterance_pairs", r.pooled_utterances},
                        {"only_reference_right", r.mcnemar.b},
                        {"only_run_right", r.mcnemar.c},
                        {"exact_statistic", NumberOrNull(r.mcnemar.statistic)},
                        {"exact_pvalue", NumberOrNull(r.mcnemar.pvalue)},
                        {"chi2_statistic", NumberOrNull(r.mcnemar_chi2.statistic)},
                        {"chi2_pvalue", NumberOrNull(r.mcnemar_chi2.pvalue)},
                        {"holm_pvalue", NumberOrNull(r.mcnemar_holm)},
                        {"significant", r.mcnemar_significant}};
    }
    j["runs"].push_back(run);
  }
  return j;
}

std::string RunComparison::ToMarkdown() const {
  std::ostringstream out;
  const auto& ref = runs[reference];
  std::string fold_list;
  for (int f : folds) fold_list += (fold_list.empty() ? "" : ", ") + std::to_string(f);
  const std::string ci = FormatFixed(100 * options.confidence, 0) + " % CI";
  out << "# Run comparison\n\nReference: **" << ref.name << "** (" << ref.dir << "). Classes " << ListOf(classes)
      << ", protocol " << protocol << ", folds " << fold_list << ".\n\n";
  out << "## Runs\n\nMean ± std over each run's (fold, seed) test results, in %; brackets: " << ci
      << " of the mean.\n\n";
  out << "| run | results | WAR | UAR | macro-F1 |\n|---|---|---|---|---|\n";
  for (const auto& r : runs) {
    out << "| " << r.name << (r.is_reference ? " (reference)" : "") << " | " << r.fold_seeds.size() << " |";
    for (const auto& m : r.metrics) {
      out << " " << FormatFixed(100 * m.mean_std.mean, 2) << " ± " << FormatFixed(100 * m.mean_std.std, 2) << " ["
          << FormatFixed(100 * m.interval.low, 2) << ", " << FormatFixed(100 * m.interval.high, 2) << "] |";
    }
    out << "\n";
  }
  out << "\n## Paired differences to " << ref.name << "\n\nRun minus reference on the same (fold, seed), in "
      << "percentage points. Won: (fold, seed) pairs where the run is better (ties: equal). Wilcoxon over those "
      << "pairs; Holm: adjusted across the " << runs.size() - 1 << " compared run(s) per metric; * = significant at "
      << "alpha = " << options.alpha << " after Holm.\n\n";
  out << "| run | metric | pairs | difference | " << ci << " | won | ties | Wilcoxon p | Holm p |\n"
      << "|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& r : runs) {
    if (r.is_reference) continue;
    for (int k = 0; k < 3; ++k) {
      const auto& p = r.paired_metrics[k];
      out << "| " << r.name << " | " << kMetricLabels[k] << " | " << r.paired << " | "
          << FormatSigned(100 * p.mean_difference, 2) << " | [" << FormatSigned(100 * p.interval.low, 2) << ", "
          << FormatSigned(100 * p.interval.high, 2) << "] | " << p.wins << "/" << r.paired << " | " << p.ties << " | "
          << FormatPValue(p.wilcoxon.pvalue) << " (" << p.wilcoxon.method << ") | " << FormatPValue(p.wilcoxon_holm)
          << (p.significant ? " *" : "") << " |\n";
    }
  }
  out << "\n## McNemar on pooled test predictions\n\nEvery utterance of every common (fold, seed), pooled (an "
      << "utterance tested under several seeds counts once per seed). Exact binomial form; Holm across runs.\n\n";
  out << "| run | utterance pairs | only reference right | only run right | exact p | Holm p |\n"
      << "|---|---|---|---|---|---|\n";
  for (const auto& r : runs) {
    if (r.is_reference) continue;
    out << "| " << r.name << " | " << r.pooled_utterances << " | " << r.mcnemar.b << " | " << r.mcnemar.c << " | "
        << FormatPValue(r.mcnemar.pvalue) << " | " << FormatPValue(r.mcnemar_holm)
        << (r.mcnemar_significant ? " *" : "") << " |\n";
  }
  out << "\nMethod: " << Method(options) << ".\n";
  return out.str();
}

std::string RunComparison::ToCsv() const {
  std::ostringstream out;
  out << "run,dir,reference,metric,results,mean,std,ci_low,ci_high,pairs,difference,difference_ci_low,"
         "difference_ci_high,wins,ties,losses,wilcoxon_statistic,wilcoxon_p,wilcoxon_method,wilcoxon_holm_p,"
         "mcnemar_only_reference_right,mcnemar_only_run_right,mcnemar_exact_p,mcnemar_holm_p\n";
  for (const auto& r : runs) {
    for (int k = 0; k < 3; ++k) {
      const auto& m = r.metrics[k];
      out << CsvField(r.name) << "," << CsvField(r.dir) << "," << (r.is_reference ? 1 : 0) << ","
          << kBootstrapMetrics[k] << "," << r.fold_seeds.size() << "," << FormatFixed(m.mean_std.mean, 6) << ","
          << FormatFixed(m.mean_std.std, 6) << "," << FormatFixed(m.interval.low, 6) << ","
          << FormatFixed(m.interval.high, 6);
      if (r.is_reference) {
        out << ",,,,,,,,,,,,,,\n";
        continue;
      }
      const auto& p = r.paired_metrics[k];
      auto num = [](double v, int d) { return std::isfinite(v) ? FormatFixed(v, d) : std::string(); };
      out << "," << r.paired << "," << FormatFixed(p.mean_difference, 6) << "," << FormatFixed(p.interval.low, 6) << ","
          << FormatFixed(p.interval.high, 6) << "," << p.wins << "," << p.ties << "," << p.losses << ","
          << num(p.wilcoxon.statistic, 1) << "," << num(p.wilcoxon.pvalue, 8) << "," << p.wilcoxon.method << ","
          << num(p.wilcoxon_holm, 8) << "," << r.mcnemar.b << "," << r.mcnemar.c << "," << num(r.mcnemar.pvalue, 8)
          << "," << num(r.mcnemar_holm, 8) << "\n";
    }
  }
  return out.str();
}

namespace {

const char* const kColors[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                               "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

// Horizontal bars (one per row) from `lo_axis` to each value, with whiskers at
// [low, high]; a dashed line at `zero` when it lies inside the axis.
struct BarRow {
  std::string label;
  double value, low, high;
  std::string color;
  bool bold = false;
};

std::string BarChart(const std::string& title, const std::vector<BarRow>& rows, double axis_lo, double axis_hi,
                     const std::string& unit, bool from_zero_line) {
  const int label_w = 150, plot_w = 300, right = 60, row_h = 30, top = 34, bottom = 34;
  const int W = label_w + plot_w + right, H = top + static_cast<int>(rows.size()) * row_h + bottom;
  auto X = [&](double v) {
    return label_w + (std::clamp(v, axis_lo, axis_hi) - axis_lo) / (axis_hi - axis_lo) * plot_w;
  };
  std::ostringstream svg;
  svg << "<svg class=\"chart\" width=\"" << W << "\" height=\"" << H << "\" viewBox=\"0 0 " << W << " " << H
      << "\" role=\"img\" aria-label=\"" << HtmlEscape(title) << "\">";
  svg << "<text x=\"" << label_w + plot_w / 2 << "\" y=\"18\" text-anchor=\"middle\" class=\"ct\">" << HtmlEscape(title)
      << "</text>";
  // ticks
  const double range = axis_hi - axis_lo;
  const double raw = range / 5, mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = (raw / mag < 1.5 ? 1 : raw / mag < 3.5 ? 2 : raw / mag < 7.5 ? 5 : 10) * mag;
  for (double t = std::ceil(axis_lo / step) * step; t <= axis_hi + 1e-9; t += step) {
    svg << "<line x1=\"" << X(t) << "\" x2=\"" << X(t) << "\" y1=\"" << top - 4 << "\" y2=\"" << H - bottom
        << "\" class=\"grid\"/><text x=\"" << X(t) << "\" y=\"" << H - bottom + 14 << "\" text-anchor=\"middle\" "
        << "class=\"tick\">" << FormatFixed(t, step < 1 ? 1 : 0) << "</text>";
  }
  svg << "<text x=\"" << label_w + plot_w / 2 << "\" y=\"" << H - 6 << "\" text-anchor=\"middle\" class=\"lab\">"
      << HtmlEscape(unit) << "</text>";
  const double base = from_zero_line ? 0.0 : axis_lo;
  if (from_zero_line && axis_lo < 0 && axis_hi > 0) {
    svg << "<line x1=\"" << X(0) << "\" x2=\"" << X(0) << "\" y1=\"" << top - 6 << "\" y2=\"" << H - bottom
        << "\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>";
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const double y = top + static_cast<double>(i) * row_h;
    svg << "<text x=\"" << label_w - 8 << "\" y=\"" << y + row_h / 2 + 4 << "\" text-anchor=\"end\" class=\"tick"
        << (r.bold ? " b" : "") << "\">" << HtmlEscape(r.label) << "</text>";
    const double x0 = X(std::min(base, r.value)), x1 = X(std::max(base, r.value));
    svg << "<rect x=\"" << x0 << "\" y=\"" << y + 6 << "\" width=\"" << std::max(1.0, x1 - x0) << "\" height=\""
        << row_h - 12 << "\" fill=\"" << r.color << "\" opacity=\"0.85\"><title>" << HtmlEscape(r.label) << ": "
        << FormatFixed(r.value, 2) << " [" << FormatFixed(r.low, 2) << ", " << FormatFixed(r.high, 2)
        << "]</title></rect>";
    const double yc = y + row_h / 2;
    svg << "<line x1=\"" << X(r.low) << "\" x2=\"" << X(r.high) << "\" y1=\"" << yc << "\" y2=\"" << yc
        << "\" stroke=\"#111\" stroke-width=\"1.6\"/>";
    for (double w : {r.low, r.high}) {
      svg << "<line x1=\"" << X(w) << "\" x2=\"" << X(w) << "\" y1=\"" << yc - 6 << "\" y2=\"" << yc + 6
          << "\" stroke=\"#111\" stroke-width=\"1.6\"/>";
    }
    // Right of everything drawn on the row (bar, whisker and the bar's base).
    svg << "<text x=\"" << X(std::max({r.high, r.value, base})) + 6 << "\" y=\"" << yc + 4 << "\" class=\"tick\">"
        << FormatFixed(r.value, 2) << "</text>";
  }
  svg << "</svg>";
  return svg.str();
}

}  // namespace

namespace {

// Each run's metrics with their intervals, as a table and as bar charts.
void RenderRunsSection(const RunComparison& c, const std::string& ci, std::ostringstream& html) {
  html << "<h2>Runs</h2>\n<table>\n<tr><th class=\"l\">run</th><th>results</th>";
  for (const char* m : kMetricLabels) html << "<th>" << m << " % (mean ± std)</th><th>" << ci << "</th>";
  html << "</tr>\n";
  for (const auto& r : c.runs) {
    html << "<tr" << (r.is_reference ? " class=\"ref\"" : "") << "><td class=\"l\">" << HtmlEscape(r.name)
         << (r.is_reference ? " (reference)" : "") << "</td><td>" << r.fold_seeds.size() << "</td>";
    for (const auto& m : r.metrics) {
      html << "<td>" << FormatFixed(100 * m.mean_std.mean, 2) << " ± " << FormatFixed(100 * m.mean_std.std, 2)
           << "</td><td>[" << FormatFixed(100 * m.interval.low, 2) << ", " << FormatFixed(100 * m.interval.high, 2)
           << "]</td>";
    }
    html << "</tr>\n";
  }
  html << "</table>\n<div class=\"charts\">\n";
  for (int k = 0; k < 3; ++k) {
    std::vector<BarRow> rows;
    double hi = 0;
    for (size_t i = 0; i < c.runs.size(); ++i) {
      const auto& m = c.runs[i].metrics[k];
      rows.push_back({c.runs[i].name, 100 * m.mean_std.mean, 100 * m.interval.low, 100 * m.interval.high,
                      kColors[i % 10], c.runs[i].is_reference});
      hi = std::max(hi, 100 * m.interval.high);
    }
    // Bars start at 0 so that their lengths compare honestly; the whiskers carry the differences.
    const double axis_hi = std::min(100.0, std::ceil((hi + 2) / 10) * 10);
    html << BarChart(std::string(kMetricLabels[k]) + " (mean, " + ci + ")", rows, 0.0, axis_hi > 0 ? axis_hi : 100,
                     std::string(kMetricLabels[k]) + " %", false)
         << "\n";
  }
  html << "</div>\n";
}

// Paired differences to the reference, Wilcoxon and Holm, as a table and as bar charts.
void RenderDifferencesSection(const RunComparison& c, const std::string& ci, std::ostringstream& html) {
  const auto& ref = c.runs[c.reference];
  html << "<h2>Paired differences to " << HtmlEscape(ref.name) << "</h2>\n<p class=\"meta\">Run minus reference on the "
       << "same (fold, seed), percentage points. Bold green: significant at alpha = " << c.options.alpha
       << " after Holm's correction across the compared runs.</p>\n<table>\n<tr><th class=\"l\">run</th>"
       << "<th class=\"l\">metric</th><th>pairs</th><th>difference</th><th>" << ci << "</th><th>won</th><th>ties</th>"
       << "<th>Wilcoxon p</th><th>Holm p</th></tr>\n";
  for (const auto& r : c.runs) {
    if (r.is_reference) continue;
    for (int k = 0; k < 3; ++k) {
      const auto& p = r.paired_metrics[k];
      html << "<tr><td class=\"l\">" << HtmlEscape(r.name) << "</td><td class=\"l\">" << kMetricLabels[k] << "</td><td>"
           << r.paired << "</td><td>" << FormatSigned(100 * p.mean_difference, 2) << "</td><td>["
           << FormatSigned(100 * p.interval.low, 2) << ", " << FormatSigned(100 * p.interval.high, 2) << "]</td><td>"
           << p.wins << "/" << r.paired << "</td><td>" << p.ties << "</td><td>" << FormatPValue(p.wilcoxon.pvalue)
           << " (" << p.wilcoxon.method << ")</td><td" << (p.significant ? " class=\"sig\"" : "") << ">"
           << FormatPValue(p.wilcoxon_holm) << "</td></tr>\n";
    }
  }
  html << "</table>\n";
  if (c.runs.size() > 1) {
    html << "<div class=\"charts\">\n";
    for (int k = 0; k < 3; ++k) {
      std::vector<BarRow> rows;
      double lo = 0, hi = 0;
      for (size_t i = 0; i < c.runs.size(); ++i) {
        if (c.runs[i].is_reference) continue;
        const auto& p = c.runs[i].paired_metrics[k];
        rows.push_back({c.runs[i].name, 100 * p.mean_difference, 100 * p.interval.low, 100 * p.interval.high,
                        p.significant ? "#59a14f" : "#9aa7b8", p.significant});
        lo = std::min(lo, 100 * p.interval.low);
        hi = std::max(hi, 100 * p.interval.high);
      }
      const double pad = std::max(0.5, 0.1 * (hi - lo));
      html << BarChart(std::string(kMetricLabels[k]) + " difference to " + ref.name, rows, std::floor(lo - pad),
                       std::ceil(hi + pad), "percentage points (run minus reference)", true)
           << "\n";
    }
    html << "</div>\n";
  }
}

void RenderMcNemarSection(const RunComparison& c, std::ostringstream& html) {
  html << "<h2>McNemar on pooled test predictions</h2>\n<table>\n<tr><th class=\"l\">run</th><th>utterance pairs</th>"
       << "<th>only reference right</th><th>only run right</th><th>exact p</th><th>chi-square p (corrected)</th>"
       << "<th>Holm p</th></tr>\n";
  for (const auto& r : c.runs) {
    if (r.is_reference) continue;
    html << "<tr><td class=\"l\">" << HtmlEscape(r.name) << "</td><td>" << r.pooled_utterances << "</td><td>"
         << r.mcnemar.b << "</td><td>" << r.mcnemar.c << "</td><td>" << FormatPValue(r.mcnemar.pvalue) << "</td><td>"
         << FormatPValue(r.mcnemar_chi2.pvalue) << "</td><td" << (r.mcnemar_significant ? " class=\"sig\"" : "") << ">"
         << FormatPValue(r.mcnemar_holm) << "</td></tr>\n";
  }
}

}  // namespace

std::string RunComparison::ToHtml() const {
  const auto& ref = runs[reference];
  const std::string ci = FormatFixed(100 * options.confidence, 0) + " % CI";
  std::ostringstream html;
  html
      << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>merhan compare</title>\n<style>"
      << R"(body{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;margin:24px;color:#1b1b1b;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;font-size:13px}table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid #ccc;padding:4px 10px;text-align:right}th{background:#f2f4f7}td.l,th.l{text-align:left}
tr.ref td{background:#f7f7f0}td.sig{font-weight:bold;color:#0b5d1e}.charts{display:flex;flex-wrap:wrap;gap:12px}
svg text{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif}.ct{font-size:14px;font-weight:bold}
.tick{font-size:11px;fill:#333}.tick.b{font-weight:bold}.lab{font-size:12px;fill:#333}.grid{stroke:#e6e6e6}
)"
      << "</style>\n</head>\n<body>\n";
  html << "<h1>merhan run comparison</h1>\n<p class=\"meta\">reference <b>" << HtmlEscape(ref.name) << "</b> ("
       << HtmlEscape(ref.dir) << ") &middot; classes " << HtmlEscape(ListOf(classes)) << " &middot; protocol "
       << HtmlEscape(protocol) << " &middot; " << folds.size() << " folds</p>\n";

  RenderRunsSection(*this, ci, html);
  RenderDifferencesSection(*this, ci, html);
  RenderMcNemarSection(*this, html);
  html << "</table>\n<p class=\"meta\">Method: " << HtmlEscape(Method(options)) << ".</p>\n</body>\n</html>\n";
  return html.str();
}

void RunComparison::Write(const std::string& dir) const {
  CreateDirectories(dir);
  WriteStringAtomically(dir + "/compare.json", ToJson().dump(2) + "\n");
  WriteStringAtomically(dir + "/compare.md", ToMarkdown());
  WriteStringAtomically(dir + "/compare.csv", ToCsv());
  WriteStringAtomically(dir + "/compare.html", ToHtml());
}

}  // namespace merhan
