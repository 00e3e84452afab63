#include "merhan/data/corpus.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "merhan/data/corpora_reader.h"
#include "merhan/data/corpus_format.h"
#include "merhan/data/crema_d_reader.h"
#include "merhan/data/iemocap_reader.h"
#include "merhan/data/manifest_reader.h"
#include "merhan/data/meld_reader.h"
#include "merhan/data/msp_podcast_reader.h"
#include "merhan/data/precomputed_stream.h"
#include "merhan/data/ravdess_reader.h"
#include "merhan/util/error.h"

namespace merhan {

namespace {

// data.subset: keeps improvised or scripted dialogues only; what is left out is
// counted among the dropped codes as "subset:<other kind>".
void ApplySubset(const std::string& subset, Corpus* corpus) {
  if (subset == "all") return;
  const bool keep_improvised = subset == "improvised";
  std::vector<Utterance> kept;
  int removed = 0;
  std::fill(corpus->counts.per_class.begin(), corpus->counts.per_class.end(), 0);
  for (auto& u : corpus->utterances) {
    if (u.improvised != keep_improvised) {
      ++removed;
      continue;
    }
    if (u.label >= 0 && u.label < static_cast<int>(corpus->counts.per_class.size()))
      ++corpus->counts.per_class[u.label];
    kept.push_back(std::move(u));
  }
  corpus->utterances = std::move(kept);
  corpus->counts.dropped.emplace_back(keep_improvised ? "subset:scripted" : "subset:improvised", removed);
}

}  // namespace

Corpus ReadCorpus(const DataOptions& options) {
  options.Validate();
  if (!options.corpora.empty()) return ReadCorpora(options);
  Corpus corpus;
  std::string manifest_dir;
  switch (ParseCorpusFormat(options.format)) {
    case CorpusFormat::kIemocap:
      corpus = ReadIemocap(options.root, options);
      ApplySubset(options.subset, &corpus);
      break;
    case CorpusFormat::kManifest:
      corpus = ReadManifest(options.manifest, options);
      manifest_dir = std::filesystem::path(options.manifest).parent_path().string();
      break;
    case CorpusFormat::kMspPodcast: corpus = ReadMspPodcast(options.root, options); break;
    case CorpusFormat::kMeld: corpus = ReadMeld(options.root, options); break;
    case CorpusFormat::kCremaD: corpus = ReadCremaD(options.root, options); break;
    case CorpusFormat::kRavdess: corpus = ReadRavdess(options.root, options); break;
  }
  AssignPrecomputedFiles(ParsePrecomputedStreams(options.streams), manifest_dir, &corpus.utterances);
  return corpus;
}

namespace {
std::map<int, std::vector<int>> PerSession(const std::vector<Utterance>& utterances, size_t classes) {
  std::map<int, std::vector<int>> rows;
  for (const auto& u : utterances) {
    auto& row = rows[u.session];
    row.resize(classes, 0);
    if (u.label >= 0 && static_cast<size_t>(u.label) < classes) ++row[static_cast<size_t>(u.label)];
  }
  return rows;
}
}  // namespace

void LeaveOut(Corpus* corpus, const std::string& id, const std::string& reason, const std::string& detail) {
  corpus->left_out.push_back(id + ": " + reason + (detail.empty() ? "" : " (" + detail + ")"));
  ++corpus->left_out_counts[reason];
}

std::string CountTable(const std::vector<Utterance>& utterances, const std::vector<std::string>& classes) {
  std::ostringstream t;
  t << "| session |";
  for (const auto& c : classes) t << " " << c << " |";
  t << " total |\n|---|";
  for (size_t i = 0; i <= classes.size(); ++i) t << "---|";
  t << "\n";
  std::vector<int> totals(classes.size(), 0);
  for (const auto& [session, row] : PerSession(utterances, classes.size())) {
    int sum = 0;
    t << "| " << session << " |";
    for (size_t i = 0; i < row.size(); ++i) {
      t << " " << row[i] << " |";
      sum += row[i];
      totals[i] += row[i];
    }
    t << " " << sum << " |\n";
  }
  int all = 0;
  t << "| all |";
  for (int x : totals) {
    t << " " << x << " |";
    all += x;
  }
  t << " " << all << " |\n";
  return t.str();
}

nlohmann::json CountJson(const Corpus& corpus) {
  nlohmann::json j;
  j["source"] = corpus.source;
  j["classes"] = corpus.counts.classes;
  j["total"] = corpus.counts.per_class;
  j["utterances"] = corpus.utterances.size();
  nlohmann::json sessions = nlohmann::json::object();
  for (const auto& [session, row] : PerSession(corpus.utterances, corpus.counts.classes.size())) {
    sessions[std::to_string(session)] = row;
  }
  j["sessions"] = sessions;
  nlohmann::json dropped = nlohmann::json::object();
  for (const auto& [code, n] : corpus.counts.dropped) dropped[code] = n;
  j["dropped"] = dropped;
  j["skipped_rows"] = corpus.skipped_rows;
  j["left_out"] = corpus.left_out_counts;
  return j;
}

}  // namespace merhan
