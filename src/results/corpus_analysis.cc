#include "merhan/results/corpus_analysis.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "merhan/results/number_format.h"
#include "merhan/runtime/metrics.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {

std::string NormaliseTranscript(const std::string& text) {
  std::string out;
  bool gap = false;
  for (unsigned char c : text) {
    // Bytes >= 0x80 (UTF-8) are kept as they are: letters of other scripts.
    if (std::isalnum(c) || c >= 0x80) {
      if (gap && !out.empty()) out += ' ';
      out += static_cast<char>(std::tolower(c));
      gap = false;
    } else {
      gap = true;
    }
  }
  return out;
}

namespace {

int WordCount(const std::string& normalised) {
  if (normalised.empty()) return 0;
  return 1 + static_cast<int>(std::count(normalised.begin(), normalised.end(), ' '));
}

// IEMOCAP speakers are "<session><F|M>"; anything else has no known gender.
std::string GenderOf(const std::string& speaker) {
  if (speaker.size() >= 2 && std::isdigit(static_cast<unsigned char>(speaker[speaker.size() - 2])) &&
      (speaker.back() == 'F' || speaker.back() == 'M')) {
    return std::string(1, speaker.back());
  }
  return "";
}

struct Accumulator {
  std::set<std::string> ids;
  std::set<std::string> folds;
  std::vector<int64_t> truth, predicted;
};

GroupMetrics Finish(const std::string& name, const Accumulator& a, int num_classes) {
  GroupMetrics g;
  g.group = name;
  for (const auto& f : a.folds) g.fold_names += (g.fold_names.empty() ? "" : ", ") + f;
  g.utterances = static_cast<int64_t>(a.ids.size());
  g.predictions = static_cast<int64_t>(a.truth.size());
  const ClassificationMetrics m = ComputeMetrics(a.truth, a.predicted, num_classes);
  g.war = m.war;
  int present = 0;
  double recall = 0;
  for (const auto& c : m.per_class) {
    if (c.support == 0) continue;
    ++present;
    recall += c.recall;
  }
  g.uar = present > 0 ? recall / present : 0;
  return g;
}

nlohmann::json GroupJson(const GroupMetrics& g) {
  return {{"group", g.group}, {"folds", g.fold_names}, {"utterances", g.utterances}, {"predictions", g.predictions},
          {"war", g.war},     {"uar", g.uar}};
}

GroupMetrics GroupFromJson(const nlohmann::json& j) {
  GroupMetrics g;
  g.group = j.value("group", "");
  g.fold_names = j.value("folds", "");
  g.utterances = j.value("utterances", int64_t{0});
  g.predictions = j.value("predictions", int64_t{0});
  g.war = j.value("war", 0.0);
  g.uar = j.value("uar", 0.0);
  return g;
}

}  // namespace

void AnalyseSpeakers(const std::vector<FoldSeedPredictions>& predictions, const std::vector<Utterance>& utterances,
                     const std::vector<std::string>& fold_names, CorpusAnalysis* out) {
  std::unordered_map<std::string, const Utterance*> by_id;
  for (const auto& u : utterances) by_id.emplace(u.id, &u);
  std::map<std::string, Accumulator> speakers, genders;
  int num_classes = 0;
  for (const auto& p : predictions) {
    num_classes = p.num_classes;
    const std::string fold =
        p.fold >= 0 && p.fold < static_cast<int>(fold_names.size()) ? fold_names[p.fold] : Cat("fold ", p.fold);
    for (size_t k = 0; k < p.size(); ++k) {
      const auto it = by_id.find(p.ids[k]);
      if (it == by_id.end()) {
        throw DataError(Cat(p.path, ": utterance ", p.ids[k], " is not in the run's corpus (was the corpus changed?)"));
      }
      const std::string& speaker = it->second->speaker;
      for (Accumulator* a : {&speakers[speaker], GenderOf(speaker).empty() ? nullptr : &genders[GenderOf(speaker)]}) {
        if (!a) continue;
        a->ids.insert(p.ids[k]);
        a->folds.insert(fold);
        a->truth.push_back(p.truth[k]);
        a->predicted.push_back(p.predicted[k]);
      }
    }
  }
  out->speakers.clear();
  out->genders.clear();
  out->worst_speaker.clear();
  double worst = 2;
  for (const auto& [name, a] : speakers) {
    out->speakers.push_back(Finish(name, a, num_classes));
    if (out->speakers.back().uar < worst) {
      worst = out->speakers.back().uar;
      out->worst_speaker = name;
    }
  }
  for (const auto& [name, a] : genders) out->genders.push_back(Finish(name, a, num_classes));
}

TranscriptOverlap CountTranscriptOverlap(const std::vector<Utterance>& utterances, const std::vector<int64_t>& train,
                                         const std::vector<int64_t>& test) {
  std::unordered_set<std::string> seen;
  for (int64_t i : train) {
    const std::string t = NormaliseTranscript(utterances.at(i).text);
    if (!t.empty()) seen.insert(t);
  }
  TranscriptOverlap o;
  for (int64_t i : test) {
    ++o.test;
    const std::string t = NormaliseTranscript(utterances.at(i).text);
    if (t.empty() || !seen.count(t)) continue;
    ++o.matches;
    if (WordCount(t) >= 5) ++o.long_matches;
  }
  return o;
}

nlohmann::json CorpusAnalysis::ToJson() const {
  nlohmann::json j;
  j["speakers"] = nlohmann::json::array();
  for (const auto& g : speakers) j["speakers"].push_back(GroupJson(g));
  j["genders"] = nlohmann::json::array();
  for (const auto& g : genders) j["genders"].push_back(GroupJson(g));
  j["worst_speaker"] = worst_speaker;
  j["speaker_method"] = "test utterances pooled over seeds; UAR over the classes the group has";
  j["transcript_overlap"] = nlohmann::json::array();
  for (const auto& o : overlap) {
    j["transcript_overlap"].push_back({{"fold", o.fold},
                                       {"fold_name", o.fold_name},
                                       {"test", o.test},
                                       {"verbatim_in_train", o.matches},
                                       {"verbatim_in_train_5_words", o.long_matches}});
  }
  j["transcript_overlap_method"] =
      "test transcripts found verbatim (case-folded, punctuation and spacing ignored) in the fold's training split";
  return j;
}

CorpusAnalysis CorpusAnalysis::FromJson(const nlohmann::json& j) {
  CorpusAnalysis a;
  for (const auto& g : j.value("speakers", nlohmann::json::array())) a.speakers.push_back(GroupFromJson(g));
  for (const auto& g : j.value("genders", nlohmann::json::array())) a.genders.push_back(GroupFromJson(g));
  a.worst_speaker = j.value("worst_speaker", "");
  for (const auto& o : j.value("transcript_overlap", nlohmann::json::array())) {
    TranscriptOverlap t;
    t.fold = o.value("fold", 0);
    t.fold_name = o.value("fold_name", "");
    t.test = o.value("test", int64_t{0});
    t.matches = o.value("verbatim_in_train", int64_t{0});
    t.long_matches = o.value("verbatim_in_train_5_words", int64_t{0});
    a.overlap.push_back(t);
  }
  return a;
}

std::string CorpusAnalysis::ToMarkdown() const {
  std::ostringstream out;
  if (!speakers.empty()) {
    out << "\nPer test speaker (pooled over seeds):\n\n| speaker | tested in | utterances | WAR (%) | UAR (%) |\n"
        << "|---|---|---|---|---|\n";
    for (const auto& g : speakers) {
      out << "| " << g.group << (g.group == worst_speaker ? " (worst)" : "") << " | " << g.fold_names << " | "
          << g.utterances << " | " << FormatPercent(g.war) << " | " << FormatPercent(g.uar) << " |\n";
    }
    for (const auto& g : genders) {
      out << "| gender " << g.group << " | all | " << g.utterances << " | " << FormatPercent(g.war) << " | "
          << FormatPercent(g.uar) << " |\n";
    }
    out << "\nWorst speaker: " << worst_speaker << ".\n";
  }
  if (!overlap.empty()) {
    int64_t test = 0, matches = 0, long_matches = 0;
    for (const auto& o : overlap) {
      test += o.test;
      matches += o.matches;
      long_matches += o.long_matches;
    }
    out << "\nTranscript overlap: " << matches << " of " << test << " test utterances ("
        << FormatPercent(test ? double(matches) / test : 0)
        << " %) have a transcript that appears verbatim in their fold's training split; " << long_matches
        << " of them have 5 words or more (per fold:";
    for (const auto& o : overlap) out << " " << o.fold_name << " " << o.matches << "/" << o.test;
    out << ").\n";
  }
  return out.str();
}

}  // namespace merhan
