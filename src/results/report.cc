#include "merhan/results/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "merhan/results/html.h"
#include "merhan/results/number_format.h"
#include "merhan/results/run_layout.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/config_registry.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;

namespace {

// metrics.jsonl, one epoch a line; nothing when the file is not there (yet).
std::vector<EpochRecord> ReadEpochHistory(const std::string& path) {
  std::vector<EpochRecord> history;
  if (!fs::exists(path)) return history;
  std::istringstream lines(ReadFileToString(path));
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      history.push_back(EpochRecord::FromJson(nlohmann::json::parse(line)));
    } catch (const nlohmann::json::exception& e) {
      throw DataError(Cat(path, ":", number, ": ", e.what()));
    }
  }
  return history;
}

}  // namespace

ReportData CollectReportData(const std::string& run_dir) {
  ReportData data;
  data.run_dir = run_dir;
  const std::string config_path = run_dir + "/config.json";
  if (fs::exists(config_path)) {
    data.config = ParseJson(ReadFileToString(config_path), config_path);
    if (data.config.contains("data") && data.config["data"].contains("classes")) {
      data.classes = data.config["data"]["classes"].get<std::vector<std::string>>();
    }
    if (data.config.contains("run")) data.title = data.config["run"].value("name", "");
    if (data.config.contains("train")) data.monitor = data.config["train"].value("monitor", "");
  }
  if (data.title.empty()) data.title = fs::path(run_dir).filename().string();
  const std::string summary_path = run_dir + "/summary.json";
  if (fs::exists(summary_path)) {
    const auto summary = ParseJson(ReadFileToString(summary_path), summary_path);
    if (summary.contains("intervals")) data.intervals = summary["intervals"];
    if (summary.contains("per_speaker")) data.per_speaker = summary["per_speaker"];
    if (summary.contains("test_corpora")) data.test_corpora = summary["test_corpora"];
    if (summary.contains("calibration")) data.calibration = summary["calibration"];
    if (summary.contains("pending")) data.pending = summary["pending"].get<std::vector<std::string>>();
  }
  for (const FoldSeedEntry& entry : ListFoldSeeds(run_dir)) {
    ReportRun run;
    run.fold = entry.fold;
    run.seed = entry.seed;
    run.history = ReadEpochHistory(entry.dir + "/metrics.jsonl");
    if (entry.finished) {
      const std::string test = entry.dir + "/test_metrics.json";
      const auto j = ParseJson(ReadFileToString(test), test);
      run.outcome = FoldOutcome::FromJson(j, test);
      run.fold_name = run.outcome.fold_name;
      run.tested = true;
      if (j["test"].contains("classes")) data.classes = j["test"]["classes"].get<std::vector<std::string>>();
    }
    data.runs.push_back(std::move(run));
  }
  std::sort(data.runs.begin(), data.runs.end(), [](const ReportRun& a, const ReportRun& b) {
    return a.seed != b.seed ? a.seed < b.seed : a.fold < b.fold;
  });
  return data;
}

namespace {

std::string Num(double v, int digits = 2) { return FormatFixed(v, digits); }

// Tableau 10: distinguishable, print-friendly.
const char* const kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

struct Series {
  std::string name;
  std::string color;
  bool dashed = false;
  std::vector<std::pair<double, double>> points;
};

// "Nice" tick step for a range (1, 2 or 5 times a power of ten).
double NiceStep(double range, int target) {
  if (!(range > 0)) return 1;
  const double raw = range / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / mag;
  return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
}

std::string LineChart(const std::string& title, const std::string& y_label, const std::vector<Series>& series,
                      bool y_from_zero, double y_max_cap) {
  const int W = 540, H = 300, left = 56, right = 16, top = 30, bottom = 44;
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (const auto& s : series) {
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(y)) continue;
      x0 = std::min(x0, x);
      x1 = std::max(x1, x);
      y0 = std::min(y0, y);
      y1 = std::max(y1, y);
    }
  }
  std::ostringstream svg;
  svg << "<svg class=\"chart\" width=\"" << W << "\" height=\"" << H << "\" viewBox=\"0 0 " << W << " " << H
      << "\" role=\"img\" aria-label=\"" << HtmlEscape(title) << "\">";
  svg << "<text x=\"" << W / 2 << "\" y=\"18\" text-anchor=\"middle\" class=\"ct\">" << HtmlEscape(title) << "</text>";
  if (x0 > x1) {
    svg << "<text x=\"" << W / 2 << "\" y=\"" << H / 2 << "\" text-anchor=\"middle\">no epochs recorded</text></svg>";
    return svg.str();
  }
  if (y_from_zero) y0 = std::min(0.0, y0);
  if (y_max_cap > 0) y1 = std::min(std::max(y1, y0 + 1e-9), y_max_cap);
  if (y1 - y0 < 1e-9) {
    y1 += 0.5;
    y0 -= 0.5;
    if (y_from_zero) y0 = std::max(0.0, y0);
  }
  const double ystep = NiceStep(y1 - y0, 5);
  y0 = std::floor(y0 / ystep) * ystep;
  y1 = std::ceil(y1 / ystep) * ystep;
  if (x1 - x0 < 1) x1 = x0 + 1;
  const double xstep = std::max(1.0, NiceStep(x1 - x0, 8));
  const int pw = W - left - right, ph = H - top - bottom;
  auto X = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
  auto Y = [&](double y) { return top + (1 - (y - y0) / (y1 - y0)) * ph; };
  // grid and ticks
  for (double y = y0; y <= y1 + ystep * 1e-6; y += ystep) {
    svg << "<line x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\"" << Y(y) << "\" y2=\"" << Y(y)
        << "\" class=\"grid\"/><text x=\"" << left - 6 << "\" y=\"" << Y(y) + 4
        << "\" text-anchor=\"end\" class=\"tick\">"
        << Num(y, ystep < 0.1 ? 2
                  : ystep < 1 ? 1
                              : 0)
        << "</text>";
  }
  for (double x = std::ceil(x0 / xstep) * xstep; x <= x1 + 1e-9; x += xstep) {
    svg << "<line x1=\"" << X(x) << "\" x2=\"" << X(x) << "\" y1=\"" << top + ph << "\" y2=\"" << top + ph + 4
        << "\" class=\"axis\"/><text x=\"" << X(x) << "\" y=\"" << top + ph + 16
        << "\" text-anchor=\"middle\" class=\"tick\">" << Num(x, 0) << "</text>";
  }
  svg << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
      << "\" class=\"frame\"/>";
  svg << "<text x=\"" << left + pw / 2 << "\" y=\"" << H - 8 << "\" text-anchor=\"middle\" class=\"lab\">epoch</text>";
  svg << "<text transform=\"translate(14," << top + ph / 2 << ") rotate(-90)\" text-anchor=\"middle\" class=\"lab\">"
      << HtmlEscape(y_label) << "</text>";
  for (const auto& s : series) {
    std::ostringstream path;
    bool pen = false;
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(y)) {
        pen = false;
        continue;
      }
      const double yc = std::min(std::max(y, y0), y1);
      path << (pen ? " L" : " M") << Num(X(x), 1) << " " << Num(Y(yc), 1);
      pen = true;
    }
    svg << "<path d=\"" << path.str() << "\" fill=\"none\" stroke=\"" << s.color << "\" stroke-width=\"1.8\""
        << (s.dashed ? " stroke-dasharray=\"5 3\"" : "") << "><title>" << HtmlEscape(s.name) << "</title></path>";
    if (s.points.size() == 1 && std::isfinite(s.points[0].second)) {
      svg << "<circle cx=\"" << X(s.points[0].first) << "\" cy=\"" << Y(s.points[0].second) << "\" r=\"3\" fill=\""
          << s.color << "\"/>";
    }
  }
  svg << "</svg>";
  return svg.str();
}

// Rows = true class, columns = predicted; colour = row-normalised share.
std::string ConfusionHeatmap(const std::vector<std::string>& classes, const std::vector<std::vector<int64_t>>& m) {
  const int n = static_cast<int>(classes.size());
  const int cell = n <= 6 ? 72 : 48, left = 90, top = 56;
  const int W = left + n * cell + 20, H = top + n * cell + 12;
  std::ostringstream svg;
  svg << "<svg class=\"heatmap\" width=\"" << W << "\" height=\"" << H << "\" viewBox=\"0 0 " << W << " " << H
      << "\" role=\"img\" aria-label=\"confusion matrix\">";
  svg << "<text x=\"" << left + n * cell / 2 << "\" y=\"16\" text-anchor=\"middle\" class=\"lab\">predicted</text>";
  svg << "<text transform=\"translate(16," << top + n * cell / 2
      << ") rotate(-90)\" text-anchor=\"middle\" class=\"lab\">true</text>";
  for (int k = 0; k < n; ++k) {
    svg << "<text x=\"" << left + k * cell + cell / 2 << "\" y=\"" << top - 10
        << "\" text-anchor=\"middle\" class=\"tick\">" << HtmlEscape(classes[k]) << "</text>";
    svg << "<text x=\"" << left - 8 << "\" y=\"" << top + k * cell + cell / 2 + 4
        << "\" text-anchor=\"end\" class=\"tick\">" << HtmlEscape(classes[k]) << "</text>";
  }
  for (int i = 0; i < n; ++i) {
    int64_t row = 0;
    for (int k = 0; k < n; ++k)
      row += (i < static_cast<int>(m.size()) && k < static_cast<int>(m[i].size())) ? m[i][k] : 0;
    for (int k = 0; k < n; ++k) {
      const int64_t v = (i < static_cast<int>(m.size()) && k < static_cast<int>(m[i].size())) ? m[i][k] : 0;
      const double share = row > 0 ? static_cast<double>(v) / row : 0;
      // white -> #1f4e8c
      const int r = static_cast<int>(255 - share * (255 - 31)), g = static_cast<int>(255 - share * (255 - 78)),
                b = static_cast<int>(255 - share * (255 - 140));
      char fill[16];
      std::snprintf(fill, sizeof(fill), "#%02x%02x%02x", r, g, b);
      const char* ink = share > 0.5 ? "#ffffff" : "#1b1b1b";
      svg << "<rect x=\"" << left + k * cell << "\" y=\"" << top + i * cell << "\" width=\"" << cell << "\" height=\""
          << cell << "\" fill=\"" << fill << "\" stroke=\"#ffffff\"><title>true " << HtmlEscape(classes[i])
          << ", predicted " << HtmlEscape(classes[k]) << ": " << v << "</title></rect>";
      svg << "<text x=\"" << left + k * cell + cell / 2 << "\" y=\"" << top + i * cell + cell / 2 - 2
          << "\" text-anchor=\"middle\" fill=\"" << ink << "\" class=\"cv\">" << v << "</text>";
      svg << "<text x=\"" << left + k * cell + cell / 2 << "\" y=\"" << top + i * cell + cell / 2 + 14
          << "\" text-anchor=\"middle\" fill=\"" << ink << "\" class=\"cp\">" << Num(100 * share, 1) << "%</text>";
    }
  }
  svg << "</svg>";
  return svg.str();
}

std::string RecallBars(const std::vector<std::string>& classes, const std::vector<double>& recall,
                       const std::vector<std::vector<double>>& per_run) {
  const int n = static_cast<int>(classes.size());
  const int bar = 26, gap = 12, left = 70, top = 16, pw = 400;
  const int W = left + pw + 80, H = top + n * (bar + gap) + 22;
  std::ostringstream svg;
  svg << "<svg class=\"bars\" width=\"" << W << "\" height=\"" << H << "\" viewBox=\"0 0 " << W << " " << H
      << "\" role=\"img\" aria-label=\"per-class recall\">";
  for (int t = 0; t <= 10; t += 2) {
    const double x = left + pw * t / 10.0;
    svg << "<line x1=\"" << x << "\" x2=\"" << x << "\" y1=\"" << top - 4 << "\" y2=\"" << top + n * (bar + gap)
        << "\" class=\"grid\"/><text x=\"" << x << "\" y=\"" << top + n * (bar + gap) + 14
        << "\" text-anchor=\"middle\" class=\"tick\">" << t * 10 << "%</text>";
  }
  for (int i = 0; i < n; ++i) {
    const double r = i < static_cast<int>(recall.size()) ? recall[i] : 0;
    const double y = top + i * (bar + gap);
    svg << "<text x=\"" << left - 8 << "\" y=\"" << y + bar / 2 + 4 << "\" text-anchor=\"end\" class=\"tick\">"
        << HtmlEscape(classes[i]) << "</text>";
    svg << "<rect x=\"" << left << "\" y=\"" << y << "\" width=\"" << pw * r << "\" height=\"" << bar << "\" fill=\""
        << kPalette[i % 10] << "\"><title>" << HtmlEscape(classes[i]) << " recall " << Num(100 * r, 1)
        << "%</title></rect>";
    double label_x = r;  // right of the bar and of every run's tick
    for (const auto& run : per_run)
      if (i < static_cast<int>(run.size())) label_x = std::max(label_x, run[i]);
    svg << "<text x=\"" << left + pw * label_x + 6 << "\" y=\"" << y + bar / 2 + 4 << "\" class=\"tick\">"
        << Num(100 * r, 1) << "%</text>";
    for (const auto& run : per_run) {  // each run's recall as a tick on the bar
      if (i >= static_cast<int>(run.size())) continue;
      svg << "<line x1=\"" << left + pw * run[i] << "\" x2=\"" << left + pw * run[i] << "\" y1=\"" << y + 3
          << "\" y2=\"" << y + bar - 3 << "\" stroke=\"#222\" stroke-width=\"1.5\" opacity=\"0.6\"/>";
    }
  }
  svg << "</svg>";
  return svg.str();
}

// Reliability diagram: per confidence bin, accuracy (bar) against the diagonal of
// perfect calibration; bar width spans the bin, the bin's mean confidence is a tick.
std::string ReliabilityDiagram(const std::string& title, const nlohmann::json& bins, const std::string& color) {
  const int W = 330, H = 310, left = 48, right = 12, top = 32, bottom = 42;
  const int pw = W - left - right, ph = H - top - bottom;
  auto X = [&](double v) { return left + v * pw; };
  auto Y = [&](double v) { return top + (1 - v) * ph; };
  std::ostringstream svg;
  svg << "<svg class=\"chart\" width=\"" << W << "\" height=\"" << H << "\" viewBox=\"0 0 " << W << " " << H
      << "\" role=\"img\" aria-label=\"" << HtmlEscape(title) << "\">";
  svg << "<text x=\"" << left + pw / 2 << "\" y=\"18\" text-anchor=\"middle\" class=\"ct\">" << HtmlEscape(title)
      << "</text>";
  for (int t = 0; t <= 10; t += 2) {
    const double v = t / 10.0;
    svg << "<line x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\"" << Y(v) << "\" y2=\"" << Y(v)
        << "\" class=\"grid\"/><text x=\"" << left - 6 << "\" y=\"" << Y(v) + 4
        << "\" text-anchor=\"end\" class=\"tick\">" << Num(v, 1) << "</text><text x=\"" << X(v) << "\" y=\""
        << top + ph + 14 << "\" text-anchor=\"middle\" class=\"tick\">" << Num(v, 1) << "</text>";
  }
  int64_t total = 0;
  for (const auto& b : bins) total += b.value("count", int64_t{0});
  for (const auto& b : bins) {
    const int64_t count = b.value("count", int64_t{0});
    if (count == 0) continue;
    const double lo = b.value("lower", 0.0), hi = b.value("upper", 0.0), acc = b.value("accuracy", 0.0),
                 conf = b.value("confidence", 0.0);
    // Opacity grows with the bin's share of the predictions: near-empty bins say little.
    const double share = total > 0 ? static_cast<double>(count) / total : 0;
    svg << "<rect x=\"" << X(lo) + 1 << "\" y=\"" << Y(acc) << "\" width=\"" << std::max(1.0, X(hi) - X(lo) - 2)
        << "\" height=\"" << Y(0) - Y(acc) << "\" fill=\"" << color << "\" opacity=\""
        << Num(0.35 + 0.65 * std::min(1.0, 5 * share), 2) << "\"><title>confidence (" << Num(lo, 3) << ", "
        << Num(hi, 3) << "]: " << count << " predictions, accuracy " << Num(100 * acc, 1) << " %, mean confidence "
        << Num(100 * conf, 1) << " %</title></rect>";
    svg << "<line x1=\"" << X(lo) + 1 << "\" x2=\"" << X(hi) - 1 << "\" y1=\"" << Y(conf) << "\" y2=\"" << Y(conf)
        << "\" stroke=\"#c0392b\" stroke-width=\"2\"/>";
  }
  svg << "<line x1=\"" << X(0) << "\" y1=\"" << Y(0) << "\" x2=\"" << X(1) << "\" y2=\"" << Y(1)
      << "\" stroke=\"#333\" stroke-dasharray=\"5 3\"/>";
  svg << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
      << "\" class=\"frame\"/>";
  svg << "<text x=\"" << left + pw / 2 << "\" y=\"" << H - 8
      << "\" text-anchor=\"middle\" class=\"lab\">confidence</text>";
  svg << "<text transform=\"translate(14," << top + ph / 2 << ") rotate(-90)\" text-anchor=\"middle\" class=\"lab\">"
      << "accuracy</text></svg>";
  return svg.str();
}

const char* const kStyle = R"(
body{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;margin:24px;color:#1b1b1b;max-width:1160px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;font-size:13px}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:4px 10px;text-align:right}
th{background:#f2f4f7}td.l,th.l{text-align:left}tr.sum td{font-weight:bold;background:#f7f7f0}
.charts{display:flex;flex-wrap:wrap;gap:16px}
svg text{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif}
.ct{font-size:14px;font-weight:bold}.tick{font-size:11px;fill:#444}.lab{font-size:12px;fill:#333}
.cv{font-size:15px;font-weight:bold}.cp{font-size:11px}
.grid{stroke:#e6e6e6;stroke-width:1}.axis{stroke:#777}.frame{fill:none;stroke:#999}
.legend{font-size:12px;margin:6px 0 0;display:flex;flex-wrap:wrap;gap:6px 16px}
.sw{display:inline-block;width:22px;height:0;border-top:3px solid;vertical-align:middle;margin-right:5px}
.sw.d{border-top-style:dashed}
pre{background:#f6f8fa;padding:10px;font-size:12px;overflow:auto;max-height:320px}
)";

// Title, run directory, model selection and any unfinished pairs.
void RenderHeader(const ReportData& data, std::ostringstream& html) {
  html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>merhan report: "
       << HtmlEscape(data.title) << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n";
  html << "<h1>merhan run report: " << HtmlEscape(data.title) << "</h1>\n";
  html << "<p class=\"meta\">run directory " << HtmlEscape(data.run_dir) << " &middot; " << data.runs.size()
       << " fold/seed run(s) &middot; model selection on validation "
       << HtmlEscape(data.monitor.empty() ? "val_loss" : data.monitor) << "</p>\n";
  if (!data.pending.empty()) {
    html << "<p><b>Incomplete run</b>: " << data.pending.size()
         << " planned fold/seed run(s) not finished:</p>\n<ul>\n";
    for (const auto& p : data.pending) html << "<li>" << HtmlEscape(p) << "</li>\n";
    html << "</ul>\n";
  }
}

// Test results per (fold, seed), their mean ± std and the bootstrap interval of the mean.
void RenderResultsTable(const ReportData& data, const std::vector<FoldOutcome>& outcomes, const RunSummary& summary,
                        std::ostringstream& html) {
  html << "<h2>Test results per fold</h2>\n<table>\n<tr><th class=\"l\">fold</th><th class=\"l\">held out</th>"
          "<th>seed</th><th>best epoch</th><th>epochs</th><th>test loss</th><th>WAR %</th><th>UAR %</th>"
          "<th>macro-F1 %</th><th>weighted-F1 %</th></tr>\n";
  for (const auto& r : data.runs) {
    html << "<tr><td class=\"l\">" << r.fold << "</td><td class=\"l\">" << HtmlEscape(r.fold_name) << "</td><td>"
         << r.seed << "</td>";
    if (r.tested) {
      const auto& o = r.outcome;
      html << "<td>" << o.best_epoch + 1 << "</td><td>" << o.epochs_run << "</td><td>" << Num(o.test_loss, 3)
           << "</td><td>" << Num(100 * o.test.war) << "</td><td>" << Num(100 * o.test.uar) << "</td><td>"
           << Num(100 * o.test.macro_f1) << "</td><td>" << Num(100 * o.test.weighted_f1) << "</td>";
    } else {
      html << "<td colspan=\"7\" class=\"l\">not finished (" << r.history.size() << " epochs so far)</td>";
    }
    html << "</tr>\n";
  }
  if (!outcomes.empty()) {
    html << "<tr class=\"sum\"><td class=\"l\" colspan=\"6\">mean ± std over " << outcomes.size()
         << " fold/seed runs (sample std)</td>";
    for (const auto& m : summary.metrics) html << "<td>" << Num(100 * m.mean) << " ± " << Num(100 * m.std) << "</td>";
    html << "</tr>\n";
    if (data.intervals.is_object() && data.intervals.contains("war")) {
      html << "<tr class=\"sum\"><td class=\"l\" colspan=\"6\">"
           << Num(100 * data.intervals.value("confidence", 0.95), 0) << " % bootstrap interval of the mean</td>";
      for (const char* name : {"war", "uar", "macro_f1"}) {
        const auto& iv = data.intervals.at(name);
        html << "<td>[" << Num(100 * iv.value("low", std::nan(""))) << ", " << Num(100 * iv.value("high", std::nan("")))
             << "]</td>";
      }
      html << "<td>–</td></tr>\n";
    }
  }
  html << "</table>\n";
  if (data.intervals.is_object() && data.intervals.contains("method")) {
    html << "<p class=\"meta\">Intervals: " << HtmlEscape(data.intervals["method"].get<std::string>()) << ".</p>\n";
  }
}

// Multi-corpus runs: WAR, UAR and macro-F1 per test corpus, with their intervals.
void RenderTestCorpora(const ReportData& data, std::ostringstream& html) {
  if (!data.test_corpora.is_array() || data.test_corpora.empty()) return;
  html << "<h2>Test results per corpus</h2>\n<table>\n<tr><th class=\"l\">corpus</th><th>utterances</th>"
          "<th>runs</th><th>WAR %</th><th>UAR %</th><th>macro-F1 %</th></tr>\n";
  for (const auto& c : data.test_corpora) {
    html << "<tr><td class=\"l\">" << HtmlEscape(c.value("name", "")) << "</td><td>" << c.value("utterances", 0)
         << "</td><td>" << c.value("runs", 0) << "</td>";
    for (const char* name : {"war", "uar", "macro_f1"}) {
      const auto& m = c.at(name);
      html << "<td>" << Num(100 * m.value("mean", std::nan(""))) << " ± " << Num(100 * m.value("std", std::nan("")));
      if (m.contains("interval")) {
        html << "<br>[" << Num(100 * m["interval"].value("low", std::nan(""))) << ", "
             << Num(100 * m["interval"].value("high", std::nan(""))) << "]";
      }
      html << "</td>";
    }
    html << "</tr>\n";
  }
  html << "</table>\n";
}

// Learning curves: one colour per run; train dashed, validation solid.
void RenderLearningCurves(const ReportData& data, std::ostringstream& html) {
  std::vector<Series> loss, uar;
  std::ostringstream legend;
  for (size_t i = 0; i < data.runs.size(); ++i) {
    const auto& r = data.runs[i];
    const std::string color = kPalette[i % 10];
    const std::string name =
        Cat("fold ", r.fold, r.fold_name.empty() ? "" : " (" + r.fold_name + ")", " seed ", r.seed);
    Series tr{name + " train loss", color, true, {}}, va{name + " val loss", color, false, {}},
        ua{name + " val UAR", color, false, {}};
    for (const auto& e : r.history) {
      tr.points.emplace_back(e.epoch + 1, e.train_loss);
      va.points.emplace_back(e.epoch + 1, e.val_loss);
      ua.points.emplace_back(e.epoch + 1, 100 * e.val_uar);
    }
    loss.push_back(tr);
    loss.push_back(va);
    uar.push_back(ua);
    legend << "<span><span class=\"sw\" style=\"border-color:" << color << "\"></span>" << HtmlEscape(name)
           << "</span>";
  }
  html << "<h2>Learning curves</h2>\n<div class=\"charts\">\n"
       << LineChart("Loss (dashed: train, solid: validation)", "cross-entropy", loss, true, 0) << "\n"
       << LineChart("Validation UAR", "UAR %", uar, false, 100) << "\n</div>\n<div class=\"legend\">" << legend.str()
       << "<span><span class=\"sw d\" style=\"border-color:#555\"></span>train</span>"
       << "<span><span class=\"sw\" style=\"border-color:#555\"></span>validation</span></div>\n";
}

// The summed confusion matrix and per-class recall.
void RenderClassCharts(const ReportData& data, const std::vector<FoldOutcome>& outcomes, const RunSummary& summary,
                       std::ostringstream& html) {
  if (outcomes.empty() || data.classes.empty()) return;
  std::vector<double> recall;
  for (size_t i = 0; i < data.classes.size(); ++i) {
    int64_t row = 0;
    for (int64_t v : summary.confusion[i]) row += v;
    recall.push_back(row > 0 ? static_cast<double>(summary.confusion[i][i]) / row : 0);
  }
  std::vector<std::vector<double>> per_run;
  for (const auto& o : outcomes) per_run.push_back(o.test.recall);
  html << "<h2>Confusion matrix (test, summed over " << outcomes.size() << " fold/seed runs)</h2>\n"
       << ConfusionHeatmap(data.classes, summary.confusion)
       << "\n<p class=\"meta\">Rows: true class; columns: predicted. Cell colour and percentage: share of the "
          "true class's utterances (row-normalised); the diagonal is each class's recall.</p>\n";
  html << "<h2>Per-class recall (test)</h2>\n"
       << RecallBars(data.classes, recall, per_run)
       << "\n<p class=\"meta\">Bars: recall from the summed confusion matrix; black ticks: each fold and "
          "seed on its own.</p>\n";
}

// ECE, NLL and Brier before and after temperature scaling, with reliability diagrams.
void RenderCalibration(const ReportData& data, std::ostringstream& html) {
  if (!data.calibration.is_object() || !data.calibration.contains("pooled")) return;
  const auto& c = data.calibration;
  const auto& pooled = c["pooled"];
  html
      << "<h2>Calibration (test)</h2>\n<table>\n<tr><th class=\"l\"></th><th>ECE</th><th>NLL</th><th>Brier</th></tr>\n";
  for (const char* when : {"before", "after"}) {
    const auto& m = c["mean"][when];
    html << "<tr><td class=\"l\">" << (std::string(when) == "before" ? "before" : "after") << " temperature scaling "
         << "(mean over " << c["runs"].size() << " fold/seed runs)</td><td>" << Num(m.value("ece", 0.0), 4)
         << "</td><td>" << Num(m.value("nll", 0.0), 4) << "</td><td>" << Num(m.value("brier", 0.0), 4)
         << "</td></tr>\n";
  }
  for (const char* when : {"before", "after"}) {
    const auto& m = pooled[when];
    html << "<tr><td class=\"l\">" << when << " temperature scaling (all " << pooled.value("count", int64_t{0})
         << " test predictions pooled)</td><td>" << Num(m.value("ece", 0.0), 4) << "</td><td>"
         << Num(m.value("nll", 0.0), 4) << "</td><td>" << Num(m.value("brier", 0.0), 4) << "</td></tr>\n";
  }
  html << "</table>\n<p class=\"meta\">Temperatures (fitted on each fold's validation split):";
  for (const auto& r : c["runs"]) {
    html << " fold " << r.value("fold", 0) << "/seed " << r.value("seed", 0)
         << " T = " << Num(r.value("temperature", 1.0), 3) << ";";
  }
  html << " ECE over 15 equal-width confidence bins; Brier = mean of sum over classes of (p - y)<sup>2</sup>.</p>\n"
       << "<div class=\"charts\">\n"
       << ReliabilityDiagram("Before scaling (pooled ECE " + Num(pooled["before"].value("ece", 0.0), 3) + ")",
                             pooled["bins_before"], "#9aa7b8")
       << "\n"
       << ReliabilityDiagram("After scaling (pooled ECE " + Num(pooled["after"].value("ece", 0.0), 3) + ")",
                             pooled["bins_after"], "#4e79a7")
       << "\n</div>\n<p class=\"meta\">Reliability diagrams of all test predictions pooled ("
       << pooled.value("count", int64_t{0})
       << "). Bars: accuracy per confidence bin (fainter when the bin holds few predictions); red ticks: the bin's "
          "mean confidence; dashed: perfect calibration.</p>\n";
}

// How many test transcripts occur verbatim in their fold's training split.
void RenderTranscriptOverlap(const CorpusAnalysis& a, std::ostringstream& html) {
  if (a.overlap.empty()) return;
  int64_t test = 0, matches = 0, long_matches = 0;
  for (const auto& o : a.overlap) {
    test += o.test;
    matches += o.matches;
    long_matches += o.long_matches;
  }
  html << "<h2>Transcript overlap with the training split</h2>\n<p>" << matches << " of " << test
       << " test utterances (" << Num(test ? 100.0 * matches / test : 0, 1)
       << " %) have a transcript that appears verbatim (case, punctuation and spacing ignored) in their fold's "
          "training split; "
       << long_matches
       << " of them have 5 words or more. A text model can recognise such "
          "lines instead of the emotion (IEMOCAP's scripted dialogues repeat their script across sessions; "
          "data.subset=improvised avoids them).</p>\n<table>\n<tr><th class=\"l\">fold</th><th>test</th>"
          "<th>verbatim in train</th><th>of them &ge; 5 words</th></tr>\n";
  for (const auto& o : a.overlap) {
    html << "<tr><td class=\"l\">" << HtmlEscape(o.fold_name) << "</td><td>" << o.test << "</td><td>" << o.matches
         << "</td><td>" << o.long_matches << "</td></tr>\n";
  }
  html << "</table>\n";
}

// Per test speaker and gender, and the transcript overlap.
void RenderSpeakers(const ReportData& data, std::ostringstream& html) {
  if (!data.per_speaker.is_object() || !data.per_speaker.contains("speakers")) return;
  const CorpusAnalysis a = CorpusAnalysis::FromJson(data.per_speaker);
  html << "<h2>Per test speaker and gender</h2>\n<table>\n<tr><th class=\"l\">speaker</th><th class=\"l\">tested in"
          "</th><th>utterances</th><th>WAR %</th><th>UAR %</th></tr>\n";
  std::vector<std::string> names;
  std::vector<double> uars;
  for (const auto& g : a.speakers) {
    const bool worst = g.group == a.worst_speaker;
    html << "<tr" << (worst ? " class=\"sum\"" : "") << "><td class=\"l\">" << HtmlEscape(g.group)
         << (worst ? " (worst)" : "") << "</td><td class=\"l\">" << HtmlEscape(g.fold_names) << "</td><td>"
         << g.utterances << "</td><td>" << Num(100 * g.war) << "</td><td>" << Num(100 * g.uar) << "</td></tr>\n";
    names.push_back(g.group);
    uars.push_back(g.uar);
  }
  for (const auto& g : a.genders) {
    html << "<tr><td class=\"l\">gender " << HtmlEscape(g.group) << "</td><td class=\"l\">all</td><td>" << g.utterances
         << "</td><td>" << Num(100 * g.war) << "</td><td>" << Num(100 * g.uar) << "</td></tr>\n";
  }
  html << "</table>\n";
  if (!a.worst_speaker.empty()) {
    html << "<p class=\"meta\">Worst speaker: <b>" << HtmlEscape(a.worst_speaker)
         << "</b>. Test utterances pooled over "
            "seeds; UAR over the classes each speaker has. Bars: UAR per speaker.</p>\n"
         << RecallBars(names, uars, {}) << "\n";
  }
  RenderTranscriptOverlap(a, html);
}

}  // namespace

std::string RenderReportHtml(const ReportData& data) {
  std::ostringstream html;
  RenderHeader(data, html);
  std::vector<FoldOutcome> outcomes;
  for (const auto& r : data.runs)
    if (r.tested) outcomes.push_back(r.outcome);
  const RunSummary summary = RunSummary::From(outcomes, data.classes);
  RenderResultsTable(data, outcomes, summary, html);
  RenderTestCorpora(data, html);
  RenderLearningCurves(data, html);
  RenderClassCharts(data, outcomes, summary, html);
  RenderCalibration(data, html);
  RenderSpeakers(data, html);
  if (!data.config.is_null()) {
    html << "<h2>Resolved configuration</h2>\n<pre>" << HtmlEscape(data.config.dump(2)) << "</pre>\n";
  }
  html << "</body>\n</html>\n";
  return html.str();
}

std::string WriteRunReport(const std::string& run_dir) {
  const std::string path = run_dir + "/report.html";
  WriteStringAtomically(path, RenderReportHtml(CollectReportData(run_dir)));
  return path;
}

}  // namespace merhan
