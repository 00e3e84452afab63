#include "merhan/results/summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "merhan/data/corpus.h"
#include "merhan/data/corpus_entry.h"
#include "merhan/data/folds.h"
#include "merhan/data/precomputed_stream.h"
#include "merhan/results/calibration_summary.h"
#include "merhan/results/metric_bootstrap.h"
#include "merhan/results/number_format.h"
#include "merhan/results/run_predictions.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {

nlohmann::json FoldOutcome::ToJson(const std::vector<std::string>& classes) const {
  nlohmann::json j = {{"fold", fold},
                      {"fold_name", fold_name},
                      {"seed", seed},
                      {"best_epoch", best_epoch},
                      {"epochs_run", epochs_run},
                      {"test_loss", test_loss},
                      {"test", test.ToJson(classes)}};
  if (!layer_weights.empty()) j["layer_weights"] = layer_weights;
  return j;
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
    if (j.contains("layer_weights")) o.layer_weights = j.at("layer_weights").get<std::map<std::string, std::vector<double>>>();
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

void RunSummary::AttachIntervals(const std::string& run_dir, const AnalysisOptions& options) {
  intervals.clear();
  interval_options.replicates = options.bootstrap_replicates;
  interval_options.seed = static_cast<uint64_t>(options.bootstrap_seed);
  interval_options.confidence = options.confidence;
  if (options.bootstrap_replicates == 0) {
    intervals_note = "analysis.bootstrap_replicates=0";
    return;
  }
  if (outcomes.empty()) {
    intervals_note = "no test results";
    return;
  }
  std::vector<std::pair<int, int>> fold_seeds;
  for (const auto& o : outcomes) fold_seeds.emplace_back(o.fold, o.seed);
  const auto predictions = ReadRunPredictions(run_dir, fold_seeds, classes);
  const auto result = BootstrapRunMetrics(predictions, interval_options);
  intervals.assign(result.begin(), result.end());
  intervals_note.clear();
}

void RunSummary::AttachCorpusAnalysis(const std::string& run_dir, const DataOptions& data) {
  has_corpus_analysis = false;
  corpus_analysis = CorpusAnalysis();
  if (outcomes.empty()) {
    corpus_analysis_note = "no test results";
    return;
  }
  try {
    const Corpus corpus = ReadCorpus(data);
    const std::vector<Fold> folds = MakeFolds(corpus.utterances, data);
    std::vector<std::string> fold_names;
    for (const auto& f : folds) fold_names.push_back(f.name);
    std::vector<std::pair<int, int>> fold_seeds;
    std::vector<int> tested;
    for (const auto& o : outcomes) {
      fold_seeds.emplace_back(o.fold, o.seed);
      if (std::find(tested.begin(), tested.end(), o.fold) == tested.end()) tested.push_back(o.fold);
    }
    AnalyseSpeakers(ReadRunPredictions(run_dir, fold_seeds, classes), corpus.utterances, fold_names, &corpus_analysis);
    std::sort(tested.begin(), tested.end());
    for (int k : tested) {
      if (k < 0 || k >= static_cast<int>(folds.size()))
        throw DataError(Cat("fold ", k, " is not a fold of the corpus"));
      TranscriptOverlap o = CountTranscriptOverlap(corpus.utterances, folds[k].train, folds[k].test);
      o.fold = k;
      o.fold_name = folds[k].name;
      corpus_analysis.overlap.push_back(o);
    }
    has_corpus_analysis = true;
    corpus_analysis_note.clear();
  } catch (const std::exception& e) {  // merhan errors and anything a library throws
    corpus_analysis_note = std::string("per-speaker analysis unavailable: ") + e.what();
    log::Warn(corpus_analysis_note);
  }
}

void RunSummary::AttachTestCorpora(const std::string& run_dir, const AnalysisOptions& options,
                                   const DataOptions& data) {
  test_corpora.clear();
  test_corpora_note.clear();
  if (data.corpora.empty()) return;
  if (outcomes.empty()) {
    test_corpora_note = "no test results";
    return;
  }
  std::vector<std::pair<int, int>> fold_seeds;
  for (const auto& o : outcomes) fold_seeds.emplace_back(o.fold, o.seed);
  stats::BootstrapOptions bootstrap;
  bootstrap.replicates = options.bootstrap_replicates;
  bootstrap.seed = static_cast<uint64_t>(options.bootstrap_seed);
  bootstrap.confidence = options.confidence;
  test_corpora = SummariseTestCorpora(ReadRunPredictions(run_dir, fold_seeds, classes),
                                      TestCorpusNames(ParseCorpusEntries(data.corpora)), bootstrap);
}

void RunSummary::AttachCalibration(const std::string& run_dir) {
  std::vector<std::pair<int, int>> fold_seeds;
  for (const auto& o : outcomes) fold_seeds.emplace_back(o.fold, o.seed);
  calibration = SummariseRunCalibration(run_dir, fold_seeds, classes);
}

void RunSummary::Analyse(const std::string& run_dir, const AnalysisOptions& analysis, const DataOptions& data) {
  // After hours of training, a statistic that cannot be computed must not cost
  // the summary: say why instead.
  try {
    AttachIntervals(run_dir, analysis);
  } catch (const std::exception& e) {
    intervals.clear();
    intervals_note = std::string("intervals unavailable: ") + e.what();
    log::Warn(intervals_note);
  }
  try {
    AttachCalibration(run_dir);
  } catch (const std::exception& e) {
    calibration = {{"note", std::string("calibration summary unavailable: ") + e.what()}};
    log::Warn(calibration["note"].get<std::string>());
  }
  try {
    AttachTestCorpora(run_dir, analysis, data);
  } catch (const std::exception& e) {
    test_corpora.clear();
    test_corpora_note = std::string("per-test-corpus results unavailable: ") + e.what();
    log::Warn(test_corpora_note);
  }
  AttachCorpusAnalysis(run_dir, data);  // catches its own errors
  transductive_streams.clear();
  for (const PrecomputedStreamSpec& spec : ParsePrecomputedStreams(data.streams)) {
    if (spec.normalize == StreamNormalization::kSpeakerTransductive) transductive_streams.push_back(spec.name);
  }
}

namespace {

std::string IntervalMethod(const stats::BootstrapOptions& o) {
  return Cat(
      "percentile bootstrap of the mean over (fold, seed) test results: test utterances resampled with "
      "replacement within each fold (the same resample for every seed), ",
      o.replicates, " replicates, seed ", o.seed);
}

}  // namespace

nlohmann::json RunSummary::ToJson() const {
  nlohmann::json folds = nlohmann::json::array();
  for (const auto& o : outcomes) folds.push_back(o.ToJson(classes));
  nlohmann::json mean_std = nlohmann::json::object();
  for (size_t i = 0; i < metrics.size(); ++i) {
    mean_std[SummaryMetricNames()[i]] = {{"mean", metrics[i].mean}, {"std", metrics[i].std}, {"n", metrics[i].n}};
  }
  nlohmann::json j = {{"classes", classes},
                      {"runs", folds},
                      {"mean_std", mean_std},
                      {"std_kind", "sample standard deviation (n - 1) over every (fold, seed) test result"},
                      {"confusion_summed", confusion}};
  if (intervals.empty()) {
    j["intervals"] = {{"note", intervals_note.empty() ? "not computed" : intervals_note}};
  } else {
    nlohmann::json iv = {{"method", IntervalMethod(interval_options)},
                         {"replicates", interval_options.replicates},
                         {"seed", interval_options.seed},
                         {"confidence", interval_options.confidence}};
    for (size_t k = 0; k < intervals.size() && k < kBootstrapMetrics.size(); ++k) {
      iv[kBootstrapMetrics[k]] = {
          {"estimate", intervals[k].estimate}, {"low", intervals[k].low}, {"high", intervals[k].high}};
    }
    j["intervals"] = iv;
  }
  if (!pending.empty()) j["pending"] = pending;
  if (!test_corpora.empty() || !test_corpora_note.empty()) {
    nlohmann::json t = nlohmann::json::array();
    for (const auto& r : test_corpora) t.push_back(r.ToJson());
    j["test_corpora"] = test_corpora.empty() ? nlohmann::json{{"note", test_corpora_note}} : t;
  }
  if (!transductive_streams.empty()) {
    j["transductive"] = {{"streams", transductive_streams},
                         {"note",
                          "standardised per speaker with every speaker's own statistics, held-out (test) "
                          "speakers' unlabelled features included (normalize=speaker-transductive)"}};
  }
  j["calibration"] = calibration.is_null() ? nlohmann::json{{"note", "no (fold, seed) was calibrated"}} : calibration;
  j["per_speaker"] =
      has_corpus_analysis
          ? corpus_analysis.ToJson()
          : nlohmann::json{{"note", corpus_analysis_note.empty() ? "not computed" : corpus_analysis_note}};
  return j;
}

std::string RunSummary::ToCsv() const {
  std::ostringstream out;
  out << "fold,fold_name,seed,best_epoch,epochs_run,test_loss,war,uar,macro_f1,weighted_f1\n";
  for (const auto& o : outcomes) {
    out << o.fold << "," << o.fold_name << "," << o.seed << "," << o.best_epoch + 1 << "," << o.epochs_run << ","
        << FormatFixed(o.test_loss, 6, kNotFiniteCsv);
    for (const auto& name : SummaryMetricNames()) out << "," << FormatFixed(MetricOf(o.test, name), 6, kNotFiniteCsv);
    out << "\n";
  }
  out << "mean,,,,,";
  for (const auto& m : metrics) out << "," << FormatFixed(m.mean, 6, kNotFiniteCsv);
  out << "\nstd,,,,,";
  for (const auto& m : metrics) out << "," << FormatFixed(m.std, 6, kNotFiniteCsv);
  out << "\n";
  if (!intervals.empty()) {  // war, uar, macro_f1; weighted_f1 has none
    out << "ci_low,,,,,";
    for (const auto& iv : intervals) out << "," << FormatFixed(iv.low, 6, kNotFiniteCsv);
    out << ",\nci_high,,,,,";
    for (const auto& iv : intervals) out << "," << FormatFixed(iv.high, 6, kNotFiniteCsv);
    out << ",\n";
  }
  return out.str();
}

namespace {

// The learned weights of each multi-layer speech-encoder stream per (fold, seed):
// which hidden states the model leaned on.
std::string LayerWeightsMarkdown(const std::vector<FoldOutcome>& outcomes) {
  std::ostringstream out;
  for (const auto& o : outcomes) {
    for (const auto& [stream, weights] : o.layer_weights) {
      if (out.tellp() == 0) {
        out << "\nLearned layer weights of the speech-encoder streams (softmax over the kept hidden states, "
               "in order):\n\n| fold | seed | stream | weights |\n|---|---|---|---|\n";
      }
      std::string list;
      for (double w : weights) list += (list.empty() ? "" : " ") + FormatFixed(w, 3);
      out << "| " << o.fold << (o.fold_name.empty() ? "" : " (" + o.fold_name + ")") << " | " << o.seed << " | "
          << stream << " | " << list << " |\n";
    }
  }
  return out.str();
}

}  // namespace

std::string RunSummary::ToMarkdown() const {
  std::ostringstream out;
  out << "| fold | seed | best epoch |";
  for (const char* h : kHeaders) out << " " << h << " (%) |";
  out << "\n|---|---|---|---|---|---|---|\n";
  for (const auto& o : outcomes) {
    out << "| " << o.fold << (o.fold_name.empty() ? "" : " (" + o.fold_name + ")") << " | " << o.seed << " | "
        << o.best_epoch + 1 << " |";
    for (const auto& name : SummaryMetricNames()) out << " " << FormatFixed(100 * MetricOf(o.test, name), 2) << " |";
    out << "\n";
  }
  out << "| **mean ± std** | " << (outcomes.empty() ? 0 : static_cast<int>(outcomes.size())) << " runs | |";
  for (const auto& m : metrics)
    out << " **" << FormatFixed(100 * m.mean, 2) << " ± " << FormatFixed(100 * m.std, 2) << "** |";
  out << "\n";
  if (!intervals.empty()) {
    out << "| **" << FormatFixed(100 * interval_options.confidence, 0) << " % CI** | bootstrap | |";
    for (const auto& iv : intervals)
      out << " [" << FormatFixed(100 * iv.low, 2) << ", " << FormatFixed(100 * iv.high, 2) << "] |";
    out << " – |\n\n"
        << FormatFixed(100 * interval_options.confidence, 0) << " % CI: " << IntervalMethod(interval_options) << ".\n";
  }
  out << TestCorporaMarkdown(test_corpora, interval_options.confidence);
  if (!test_corpora_note.empty()) out << "\n" << test_corpora_note << "\n";
  if (!pending.empty()) {
    out << "\n**Incomplete run**: " << pending.size() << " planned (fold, seed) not finished yet:\n";
    for (const auto& p : pending) out << "- " << p << "\n";
  }
  if (!transductive_streams.empty()) {
    out << "\n**Transductive**: stream(s)";
    for (const auto& name : transductive_streams) out << " " << name;
    out << " standardised per speaker with the test speakers' own (unlabelled) features "
           "(normalize=speaker-transductive).\n";
  }
  out << LayerWeightsMarkdown(outcomes);
  out << CalibrationMarkdown(calibration);
  if (has_corpus_analysis) out << corpus_analysis.ToMarkdown();
  return out.str();
}

void RunSummary::Write(const std::string& dir) const {
  WriteStringAtomically(dir + "/summary.json", ToJson().dump(2) + "\n");
  WriteStringAtomically(dir + "/summary.csv", ToCsv());
  WriteStringAtomically(dir + "/summary.md", ToMarkdown());
}

}  // namespace merhan
