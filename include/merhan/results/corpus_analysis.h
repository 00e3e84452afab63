// What a run's test results say per speaker and per gender, and how much of the
// test transcripts the training split already contained.
//
// Per speaker: every test utterance of the speaker, pooled over the seeds that
// tested it (each seed counts once per utterance); WAR = accuracy, UAR = mean
// recall over the classes the speaker has (a class the speaker never expresses
// has no recall to average). Per gender the same over the speakers of that
// gender (IEMOCAP speakers end in F or M; manifest speakers have no gender).
// The worst speaker is the one with the lowest UAR.
//
// Transcript overlap: for each fold, the test utterances whose transcript occurs
// verbatim in the fold's training split, compared after case folding and with
// every run of non-alphanumeric characters read as one space. IEMOCAP's scripted
// dialogues repeat the same lines across sessions, so a text model can recognise
// the script line rather than the emotion even under leave-one-session-out;
// `long_matches` counts only transcripts of 5 words or more, which stock replies
// ("Yeah.", "Okay.") rarely reach.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/data/utterance.h"
#include "merhan/results/run_predictions.h"

namespace merhan {

struct GroupMetrics {
  std::string group;        // speaker or gender
  std::string fold_names;   // where the group was tested
  int64_t utterances = 0;   // distinct utterances
  int64_t predictions = 0;  // utterances x seeds
  double war = 0, uar = 0;
};

struct TranscriptOverlap {
  int fold = 0;
  std::string fold_name;
  int64_t test = 0;          // test utterances
  int64_t matches = 0;       // of them with a transcript verbatim in the training split
  int64_t long_matches = 0;  // ... and at least 5 words long
};

struct CorpusAnalysis {
  std::vector<GroupMetrics> speakers;      // by speaker name
  std::vector<GroupMetrics> genders;       // empty when genders are unknown
  std::string worst_speaker;               // lowest UAR
  std::vector<TranscriptOverlap> overlap;  // per tested fold

  nlohmann::json ToJson() const;
  static CorpusAnalysis FromJson(const nlohmann::json& j);
  std::string ToMarkdown() const;  // a per-speaker table, genders and the overlap sentence
};

// The transcript as compared for overlap (see above).
std::string NormaliseTranscript(const std::string& text);

// Speaker tables from test predictions; `utterances` must contain every
// predicted id (DataError naming the id otherwise).
void AnalyseSpeakers(const std::vector<FoldSeedPredictions>& predictions, const std::vector<Utterance>& utterances,
                     const std::vector<std::string>& fold_names, CorpusAnalysis* out);

// Transcript overlap of the given folds: `train` and `test` index `utterances`.
TranscriptOverlap CountTranscriptOverlap(const std::vector<Utterance>& utterances, const std::vector<int64_t>& train,
                                         const std::vector<int64_t>& test);

}  // namespace merhan
