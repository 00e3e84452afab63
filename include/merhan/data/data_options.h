// Which corpus, which labels, which cross-validation protocol.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/util/config_registry.h"

namespace merhan {

struct DataOptions {
  std::string format = "iemocap";  // iemocap | manifest | msp-podcast | meld | crema-d | ravdess (data/corpus_format.h)
  std::string root;                // the release's folder (every format but manifest)
  std::string manifest;            // CSV or JSONL file (format manifest)
  std::vector<std::string> classes = {"neu", "hap", "ang", "sad"};
  // class -> corpus codes merged into it; codes of no class are dropped and counted.
  nlohmann::json merge = {{"hap", {"hap", "exc"}}};
  // loso | loso-speaker | session5 | speaker-kfold | explicit | official | corpora
  // (corpora: the one fold data.corpora's roles define; implied when data.corpora is set).
  std::string protocol = "loso";
  // protocol official: the release's test split ("" = the release's default: MSP-Podcast
  // Test1, MELD test); e.g. "test2" for MSP-Podcast's Test2.
  std::string official_test;
  int folds = 5;      // speaker-kfold: K disjoint speaker groups
  int fold_seed = 1;  // speaker-kfold: seeds the speakers' assignment to groups
  // loso/session5 validation: "session" = both speakers of the next session (cyclic),
  // "speaker" = one speaker of it (F on even folds, M on odd), the other one trains.
  std::string validation = "session";
  nlohmann::json explicit_folds = nlohmann::json::array();  // [{"train":[spk..],"val":[..],"test":[..]}]
  std::string cache_dir = "cache";                          // feature cache
  bool skip_bad = false;                                    // skip (and count) bad manifest rows instead of failing
  bool expect_full_release = false;                         // check docs/design.md §5's 5,531-utterance counts
  int cache_threads = 0;                                    // feature extraction threads; 0 = all cores
  // IEMOCAP dialogues kept: all, only improvised (_impro) or only scripted (_script).
  // Scripted dialogues repeat one script across sessions, so their transcripts leak
  // between folds (docs/statistics.md, "Transcript overlap").
  std::string subset = "all";  // all | improvised | scripted
  // Precomputed feature streams by name: {"visual": {"format": "npy", "dir": ..., "dim": 2048}}
  // (data/precomputed_stream_spec.h). Paths are relative to the config file.
  nlohmann::json streams = nlohmann::json::object();
  // Several corpora in one run, each with a role (data/corpus_entry.h). When not empty,
  // each entry gives its own format, root, manifest and merge, and data.format,
  // data.root, data.manifest and data.merge are unused.
  nlohmann::json corpora = nlohmann::json::array();

  void Register(ConfigRegistry* r, const std::string& prefix = "data");
  void Validate() const;
  // data.protocol, or "corpora" whenever data.corpora is set.
  std::string EffectiveProtocol() const { return corpora.empty() ? protocol : "corpora"; }
  std::string ToString() const { return OptionsToString(*this); }
};

}  // namespace merhan
