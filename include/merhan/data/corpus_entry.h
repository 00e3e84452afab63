// data.corpora: the corpora of a multi-corpus run. Each entry names a corpus (its
// format, root and label map), which of its utterances it gives (every one, or one of
// the release's own splits) and what they are for: train, validation or test.
//
//   "corpora": [
//     {"name": "iemocap", "format": "iemocap", "root": "IEMOCAP_full_release", "role": "train"},
//     {"name": "msp", "format": "msp-podcast", "root": "MSP-Podcast", "split": "train", "role": "train"},
//     {"name": "msp", "split": "validation", "role": "validation"},
//     {"name": "msp", "split": "test1", "role": "test"}]
//
// A name may appear in several entries (one per split); the first carries format, root
// and merge, later ones may repeat them only unchanged. Ids and speakers become
// "<name>/<id>" so that corpora never share either. Plain C++: DataOptions validates with it.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/data/corpus_format.h"
#include "merhan/data/data_options.h"
#include "merhan/data/utterance.h"

namespace merhan {

struct CorpusEntry {
  std::string name;  // [A-Za-z0-9_.-]+; prefixes ids and speakers
  CorpusFormat format = CorpusFormat::kIemocap;
  std::string root;      // the release's folder (every format but manifest)
  std::string manifest;  // format manifest
  // class -> codes for this corpus; null = the format's default (IEMOCAP's hap <- hap, exc;
  // a release's 4-class map, data/corpus_format.h).
  nlohmann::json merge;
  std::string split = "all";  // "all" or one of the release's splits (Utterance::split)
  CorpusRole role = CorpusRole::kTrain;
  std::string where;  // "data.corpora[2]", for errors
};

// "train", "validation", "test" ("none" for kNone).
const char* CorpusRoleName(CorpusRole role);

// Parses and checks data.corpora: UsageError naming data.corpora[i].<key> for an unknown
// key, format or role, a missing root, a name used with two roots, two entries giving
// the same split of a corpus, or a run without a train or a test entry.
std::vector<CorpusEntry> ParseCorpusEntries(const nlohmann::json& corpora);

// The single-corpus options that read `entry`'s corpus: `base` (classes, cache, streams)
// with the entry's format, root, manifest and merge.
DataOptions EntryDataOptions(const DataOptions& base, const CorpusEntry& entry);

// The corpus an id of a multi-corpus run belongs to: the part before its first '/'
// (names hold no '/'); "" for an id without one.
std::string CorpusOfId(const std::string& id);

// The names of the entries with role kTest, in order of first appearance.
std::vector<std::string> TestCorpusNames(const std::vector<CorpusEntry>& entries);

}  // namespace merhan
