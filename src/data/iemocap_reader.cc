#include "merhan/data/iemocap_reader.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "merhan/data/iemocap_files.h"
#include "merhan/data/label_policy.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;
namespace {

std::vector<std::string> DialogFiles(const fs::path& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw DataError(dir.string() + ": missing folder");
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    // Top-level <dialog>.txt only: skips Categorical/, Attribute/, macOS "._" files.
    if (entry.is_regular_file() && entry.path().extension() == ".txt" && name.compare(0, 3, "Ses") == 0) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

fs::path FindRelease(const std::string& root) {
  const fs::path r(root);
  std::error_code ec;
  if (fs::is_directory(r / "Session1", ec) || fs::is_directory(r / "Session5", ec)) return r;
  if (fs::is_directory(r / "IEMOCAP_full_release", ec)) return r / "IEMOCAP_full_release";
  for (int s = 2; s <= 4; ++s) {
    if (fs::is_directory(r / ("Session" + std::to_string(s)), ec)) return r;
  }
  throw DataError(root + ": not an IEMOCAP release (no Session1..5 folders, no IEMOCAP_full_release/)");
}

// The labelled utterances of one dialog: its label file, transcript file and wavs.
void ReadDialog(const fs::path& sdir, int session, const std::string& label_file, LabelCounter* counter,
                std::set<std::string>* seen_ids, Corpus* corpus) {
  std::error_code ec;
  const std::string dialog = fs::path(label_file).stem().string();
  const fs::path transcript_file = sdir / "dialog" / "transcriptions" / (dialog + ".txt");
  if (!fs::is_regular_file(transcript_file, ec)) {
    throw DataError(Cat(label_file, ": no transcript file ", transcript_file.string()));
  }
  const auto labels = ParseIemocapLabels(ReadFileToString(label_file), label_file);
  const auto transcripts =
      ParseIemocapTranscripts(ReadFileToString(transcript_file.string()), transcript_file.string());
  for (const auto& l : labels) {
    int id_session = 0;
    char gender = 0;
    std::string id_dialog;
    SplitIemocapUtteranceId(l.id, &id_session, &gender, &id_dialog);
    if (id_dialog != dialog) {
      throw DataError(Cat(label_file, ":", l.line, ": utterance ", l.id, " does not belong to dialog ", dialog));
    }
    if (id_session != session) {
      throw DataError(Cat(label_file, ":", l.line, ": utterance ", l.id, " is in Session", session));
    }
    if (!seen_ids->insert(l.id).second) {
      throw DataError(Cat(label_file, ":", l.line, ": duplicate utterance id ", l.id));
    }
    const int label = counter->Apply(l.code);
    if (label < 0) continue;
    auto t = transcripts.find(l.id);
    if (t == transcripts.end()) {
      throw DataError(Cat(transcript_file.string(), ": no transcript line for ", l.id, " (labelled at ", label_file,
                          ":", l.line, ")"));
    }
    Utterance u;
    u.id = l.id;
    u.wav_path = (sdir / "sentences" / "wav" / dialog / (l.id + ".wav")).string();
    if (!fs::is_regular_file(u.wav_path, ec)) {
      throw DataError(Cat(u.wav_path, ": missing wav for ", l.id, " (labelled at ", label_file, ":", l.line, ")"));
    }
    u.text = t->second.text;
    u.origin = Cat(label_file, ":", l.line);
    u.text_origin = Cat(transcript_file.string(), ":", t->second.line);
    u.code = l.code;
    u.label = label;
    u.speaker = Cat(session, gender);
    u.session = session;
    u.dialog = dialog;
    u.improvised = dialog.find("_impro") != std::string::npos;
    u.start_s = l.start;
    u.end_s = l.end;
    corpus->utterances.push_back(std::move(u));
  }
}

// Says loudly whether a release that looks complete reproduces IEMOCAP's
// standard 4-class counts; a mismatch fails when data.expect_full_release asks.
void CheckStandardCounts(const Corpus& corpus, const LabelPolicy& policy, const DataOptions& options,
                         int sessions_found) {
  const bool looks_full = sessions_found == 5 && corpus.utterances.size() > 5000;
  if (!policy.IsStandardIemocap4() || !(options.expect_full_release || looks_full)) return;
  const IemocapStandardCheck check = CheckIemocapStandardCounts(corpus);
  if (check.matches) {
    log::Info("IEMOCAP standard 4-class counts reproduced (5,531 utterances; docs/design.md §5)\n" + check.table);
  } else if (options.expect_full_release) {
    throw DataError(corpus.source +
                    ": data.expect_full_release is set but the counts differ from "
                    "IEMOCAP's standard 4-class counts (docs/design.md §5):\n" +
                    check.table);
  } else {
    log::Warn("!!! " + corpus.source +
              " looks like the full IEMOCAP release, but its 4-class counts "
              "DIFFER from the standard ones (docs/design.md §5). The reader or the corpus is wrong:\n" +
              check.table);
  }
}

}  // namespace

Corpus ReadIemocap(const std::string& root, const DataOptions& options) {
  const LabelPolicy policy = LabelPolicy::FromOptions(options);
  if (options.expect_full_release && !policy.IsStandardIemocap4()) {
    throw UsageError(
        "data.expect_full_release: the standard counts are those of the 4-class policy "
        "(classes neu, hap, ang, sad; merge hap <- hap, exc)");
  }
  const fs::path release = FindRelease(root);
  LabelCounter counter(policy);
  Corpus corpus;
  corpus.source = release.string();
  std::set<std::string> seen_ids;
  int sessions_found = 0;
  for (int session = 1; session <= 5; ++session) {
    const fs::path sdir = release / ("Session" + std::to_string(session));
    std::error_code ec;
    if (!fs::is_directory(sdir, ec)) {
      log::Warn(Cat(sdir.string(), ": missing; reading the other sessions"));
      continue;
    }
    ++sessions_found;
    for (const auto& label_file : DialogFiles(sdir / "dialog" / "EmoEvaluation")) {
      ReadDialog(sdir, session, label_file, &counter, &seen_ids, &corpus);
    }
  }
  if (sessions_found == 0) throw DataError(release.string() + ": no Session1..5 folders");
  corpus.counts = counter.counts();
  log::Info(Cat("IEMOCAP ", release.string(), ": ", corpus.utterances.size(), " utterances kept in ", sessions_found,
                " sessions"));
  CheckStandardCounts(corpus, policy, options, sessions_found);
  return corpus;
}

IemocapStandardCheck CheckIemocapStandardCounts(const Corpus& corpus) {
  // docs/design.md §5.
  const std::map<std::string, int> class_expected = {{"neu", 1708}, {"hap", 1636}, {"ang", 1103}, {"sad", 1084}};
  const std::array<int, 5> session_expected = {1085, 1023, 1151, 1031, 1241};
  const auto& classes = corpus.counts.classes;
  std::map<int, std::vector<int>> per_session;
  std::vector<int> class_found(classes.size(), 0);
  for (const auto& u : corpus.utterances) {
    auto& row = per_session[u.session];
    row.resize(classes.size(), 0);
    ++row[static_cast<size_t>(u.label)];
    ++class_found[static_cast<size_t>(u.label)];
  }
  IemocapStandardCheck check;
  check.matches = corpus.utterances.size() == static_cast<size_t>(kIemocapStandardTotal);
  std::ostringstream t;
  t << "| session |";
  for (const auto& c : classes) t << " " << c << " |";
  t << " total found | total expected |\n|---|";
  for (size_t i = 0; i < classes.size(); ++i) t << "---|";
  t << "---|---|\n";
  for (int s = 1; s <= 5; ++s) {
    std::vector<int> row = per_session.count(s) ? per_session[s] : std::vector<int>(classes.size(), 0);
    int total = 0;
    t << "| " << s << " |";
    for (int x : row) {
      t << " " << x << " |";
      total += x;
    }
    const int expected = session_expected[static_cast<size_t>(s - 1)];
    t << " " << total << " | " << expected << (total == expected ? "" : "  <-- DIFFERS") << " |\n";
    check.matches = check.matches && total == expected;
  }
  t << "| found |";
  for (int x : class_found) t << " " << x << " |";
  t << " " << corpus.utterances.size() << " | |\n| expected |";
  for (size_t i = 0; i < classes.size(); ++i) {
    const int expected = class_expected.at(classes[i]);
    t << " " << expected << (class_found[i] == expected ? "" : " <-- DIFFERS") << " |";
    check.matches = check.matches && class_found[i] == expected;
  }
  t << " " << kIemocapStandardTotal << " | |\n";
  int hap = 0, exc = 0;
  for (const auto& u : corpus.utterances) {
    hap += u.code == "hap";
    exc += u.code == "exc";
  }
  t << "(hap = hap " << hap << " + exc " << exc << "; expected 595 + 1041)\n";
  check.matches = check.matches && hap == 595 && exc == 1041;
  check.table = t.str();
  return check;
}

}  // namespace merhan
