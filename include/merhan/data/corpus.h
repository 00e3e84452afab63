// A corpus as the rest of the system sees it: the kept, labelled utterances of
// an IEMOCAP release or a manifest, with what the label policy dropped.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/data/data_options.h"
#include "merhan/data/utterance.h"

namespace merhan {

struct Corpus {
  std::string source;                 // the IEMOCAP root or the manifest file
  std::vector<Utterance> utterances;  // kept utterances only (label >= 0), reader order
  LabelCounts counts;
  int skipped_rows = 0;              // bad manifest rows skipped (data.skip_bad)
  std::vector<std::string> skipped;  // their reasons, "file:line: why"
  // Utterances a release reader left out with a reason, not for their label: MELD's
  // broken or missing media, RAVDESS's songs, MSP-Podcast segments without a
  // transcript. Counted per reason in CountJson; each "id: why".
  std::vector<std::string> left_out;
  std::map<std::string, int> left_out_counts;  // reason -> utterances
};

// Records that a release reader left utterance `id` out for `reason` (a short phrase
// such as "no transcript"; `detail` says which file).
void LeaveOut(Corpus* corpus, const std::string& id, const std::string& reason, const std::string& detail);

// Reads data.format (data/corpus_format.h) with the label policy of `options`.
Corpus ReadCorpus(const DataOptions& options);

// Kept utterances per session (rows) and class (columns), with totals, as Markdown.
std::string CountTable(const std::vector<Utterance>& utterances, const std::vector<std::string>& classes);
// The same counts as JSON: {"classes": [...], "sessions": {"1": [..]}, "total": [..], "dropped": {...}}.
nlohmann::json CountJson(const Corpus& corpus);

}  // namespace merhan
