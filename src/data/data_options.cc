#include "merhan/data/data_options.h"

#include <set>

#include "merhan/data/corpus_entry.h"
#include "merhan/data/corpus_format.h"
#include "merhan/data/precomputed_stream_spec.h"
#include "merhan/util/error.h"

namespace merhan {

void DataOptions::Register(ConfigRegistry* r, const std::string& p) {
  r->RegisterChoice(p + ".format", &format, CorpusFormatNames(), "corpus reader (release format)");
  r->Register(p + ".root", &root,
              "the release's folder: IEMOCAP_full_release, MSP-Podcast, MELD.Raw, CREMA-D, RAVDESS");
  r->Register(p + ".manifest", &manifest, "CSV or JSONL manifest (format manifest)");
  r->Register(p + ".classes", &classes, "class names, in label-index order");
  r->RegisterJson(p + ".merge", &merge, "object", "class -> list of corpus codes merged into it");
  r->RegisterChoice(p + ".protocol", &protocol,
                    {"loso", "loso-speaker", "session5", "speaker-kfold", "explicit", "official", "corpora"},
                    "cross-validation protocol (official: the release's own train/development/test; "
                    "corpora: the fold data.corpora's roles define)");
  r->Register(p + ".official_test", &official_test,
              "protocol official: the test split (\"\" = MSP-Podcast test1, MELD test; or test2, test3)");
  r->Register(p + ".folds", &folds, "speaker-kfold: number of disjoint speaker groups K (>= 3)");
  r->Register(p + ".fold_seed", &fold_seed, "speaker-kfold: seed of the speakers' assignment to groups");
  r->RegisterChoice(p + ".validation", &validation, {"session", "speaker"},
                    "loso/session5 validation: the next session's speakers, or one of them");
  r->RegisterJson(p + ".explicit_folds", &explicit_folds, "array",
                  "protocol explicit: [{train:[speakers], val:[...], test:[...]}]");
  r->Register(p + ".cache_dir", &cache_dir, "feature cache directory");
  r->Register(p + ".skip_bad", &skip_bad, "skip and count bad manifest rows instead of failing");
  r->Register(p + ".expect_full_release", &expect_full_release,
              "fail unless the corpus has IEMOCAP's standard 4-class counts");
  r->Register(p + ".cache_threads", &cache_threads, "feature extraction threads; 0 = all cores");
  r->RegisterChoice(p + ".subset", &subset, {"all", "improvised", "scripted"},
                    "IEMOCAP dialogues kept: all, improvised only or scripted only (the dialogue name says which)");
  r->RegisterJson(p + ".streams", &streams, "object",
                  "precomputed feature streams: {name: {format: npy|safetensors, dir|file, dim, "
                  "normalize: none|speaker|speaker-transductive}}");
  r->RegisterJson(p + ".corpora", &corpora, "array",
                  "several corpora: [{name, format, root|manifest, merge, split: all|<release split>, "
                  "role: train|validation|test}] (data.format/root/manifest/merge are then unused)");
}

namespace {

// data.corpora replaces the single corpus's keys; each entry is checked as the single
// corpus it reads.
void ValidateCorpora(const DataOptions& o) {
  // data.format, root, manifest and merge stay unused (a config extending base.json
  // inherits IEMOCAP's): each entry gives its own.
  const DataOptions defaults;
  if (o.protocol != "corpora" && o.protocol != defaults.protocol) {
    throw UsageError("data.protocol: " + o.protocol +
                     " does not apply with data.corpora (their roles define the one fold); leave it out or "
                     "write corpora");
  }
  for (const CorpusEntry& e : ParseCorpusEntries(o.corpora)) {
    try {
      EntryDataOptions(o, e).Validate();
    } catch (const UsageError& error) {
      throw UsageError(e.where + " (" + e.name + "): " + error.what());
    }
  }
}

}  // namespace

void DataOptions::Validate() const {
  if (!corpora.is_array()) throw UsageError("data.corpora: expected an array");
  if (!corpora.empty()) {
    ValidateCorpora(*this);
    return;
  }
  if (protocol == "corpora") throw UsageError("data.protocol corpora: needs data.corpora");
  const CorpusFormat parsed = ParseCorpusFormat(format);
  if (parsed != CorpusFormat::kManifest && root.empty()) {
    throw UsageError("data.root: required when data.format is " + format + " (the release's folder)");
  }
  if (format == "manifest" && manifest.empty())
    throw UsageError("data.manifest: required when data.format is manifest");
  if (classes.size() < 2) throw UsageError("data.classes: need at least 2 classes");
  std::set<std::string> unique(classes.begin(), classes.end());
  if (unique.size() != classes.size()) throw UsageError("data.classes: duplicate class name");
  // A release format with data.merge at its default takes the release's 4-class map instead.
  const bool release_default =
      parsed != CorpusFormat::kIemocap && parsed != CorpusFormat::kManifest && merge == DataOptions{}.merge;
  for (auto it = merge.begin(); it != merge.end() && !release_default; ++it) {
    if (!unique.count(it.key())) throw UsageError("data.merge." + it.key() + ": not one of data.classes");
    if (!it.value().is_array()) throw UsageError("data.merge." + it.key() + ": expected an array of codes");
  }
  if (cache_threads < 0) throw UsageError("data.cache_threads: must be >= 0");
  if (subset != "all" && format != "iemocap") {
    throw UsageError("data.subset: " + subset +
                     " needs data.format iemocap (dialogue names say improvised or "
                     "scripted); a manifest lists the utterances it wants");
  }
  ParsePrecomputedStreams(streams);  // UsageError naming data.streams.<name>.<key>
  if (protocol == "speaker-kfold" && folds < 3) {
    throw UsageError("data.folds: speaker-kfold needs K >= 3 (test, validation and training groups), got " +
                     std::to_string(folds));
  }
  if (protocol == "official" && !HasOfficialSplit(parsed)) {
    throw UsageError("data.protocol official: " + format + " has no official train/development/test split (" +
                     "MSP-Podcast and MELD do); use speaker-kfold" +
                     (parsed == CorpusFormat::kIemocap ? " or loso" : ""));
  }
  if (!official_test.empty() && protocol != "official") {
    throw UsageError("data.official_test: only used with data.protocol official, not " + protocol);
  }
  EffectiveMerge(*this);  // UsageError naming data.classes or data.merge.<class>
  if (protocol == "explicit" && explicit_folds.empty()) {
    throw UsageError("data.explicit_folds: required when data.protocol is explicit");
  }
}

}  // namespace merhan
