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

#include "merhan/data/label_policy.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;
namespace {

const std::set<std::string> kIemocapCodes = {"neu", "hap", "exc", "ang", "sad", "fru",
                                             "fea", "sur", "dis", "oth", "xxx"};

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path + ": cannot open for reading");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  if (in.bad()) throw DataError(path + ": read error");
  return lines;
}

std::string Trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  const auto end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

bool ParseDouble(const std::string& text, double* value) {
  const std::string t = Trim(text);
  if (t.empty()) return false;
  char* end = nullptr;
  errno = 0;
  *value = std::strtod(t.c_str(), &end);
  return errno == 0 && end == t.c_str() + t.size();
}

[[noreturn]] void Malformed(const std::string& path, size_t line, const std::string& why,
                            const std::string& text) {
  std::string shown = text.size() > 120 ? text.substr(0, 117) + "..." : text;
  throw DataError(Cat(path, ":", line, ": ", why, ": '", shown, "'"));
}

// "Ses01F_impro01_F000" -> session 1, gender 'F'. False when the id is not an
// utterance id of this shape (e.g. "Ses03F_impro05_MXX0", which has no label).
bool SplitUtteranceId(const std::string& id, int* session, char* gender, std::string* dialog) {
  if (id.size() < 8 || id.compare(0, 3, "Ses") != 0 || !std::isdigit(static_cast<unsigned char>(id[3])) ||
      !std::isdigit(static_cast<unsigned char>(id[4]))) {
    return false;
  }
  const auto last = id.rfind('_');
  if (last == std::string::npos || last + 2 > id.size()) return false;
  const std::string turn = id.substr(last + 1);
  if (turn[0] != 'F' && turn[0] != 'M') return false;
  if (turn.size() < 2 || !std::all_of(turn.begin() + 1, turn.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return false;
  }
  *session = (id[3] - '0') * 10 + (id[4] - '0');
  *gender = turn[0];
  *dialog = id.substr(0, last);
  return true;
}

struct LabelLine {
  std::string id, code;
  double start = 0, end = 0;
  size_t line = 0;
};

// One EmoEvaluation file: utterance lines in file order.
std::vector<LabelLine> ParseLabelFile(const std::string& path) {
  std::vector<LabelLine> out;
  const auto lines = ReadLines(path);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& raw = lines[i];
    const std::string line = Trim(raw);
    const size_t n = i + 1;
    if (line.empty() || line[0] == '%') continue;
    if (line[0] != '[') {
      // Annotator lines: "C-E1:\tNeutral state;\t()", "A-F2:\tval 3; act 2; dom  2;\t()".
      const auto colon = line.find(':');
      if (line.size() > 2 && line[1] == '-' && std::isupper(static_cast<unsigned char>(line[0])) &&
          colon != std::string::npos && colon > 2 && colon < 8) {
        continue;
      }
      Malformed(path, n, "neither an utterance line '[start - end]<TAB>id<TAB>code<TAB>[V, A, D]' nor an annotator line", raw);
    }
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, '\t')) fields.push_back(field);
    if (fields.size() != 4) {
      Malformed(path, n, Cat("expected 4 tab-separated fields '[start - end]<TAB>id<TAB>code<TAB>[V, A, D]', found ", fields.size()), raw);
    }
    LabelLine l;
    l.line = n;
    const std::string& times = fields[0];
    const auto dash = times.find(" - ");
    if (times.back() != ']' || dash == std::string::npos ||
        !ParseDouble(times.substr(1, dash - 1), &l.start) ||
        !ParseDouble(times.substr(dash + 3, times.size() - dash - 4), &l.end)) {
      Malformed(path, n, "bad time segment, expected '[start - end]'", raw);
    }
    if (!(l.end > l.start) || l.start < 0) Malformed(path, n, "segment end is not after its start", raw);
    l.id = Trim(fields[1]);
    l.code = Trim(fields[2]);
    int session = 0;
    char gender = 0;
    std::string dialog;
    if (!SplitUtteranceId(l.id, &session, &gender, &dialog)) {
      Malformed(path, n, "bad utterance id (expected e.g. Ses01F_impro01_F000)", raw);
    }
    if (!kIemocapCodes.count(l.code)) {
      Malformed(path, n, "unknown emotion code '" + l.code + "' (IEMOCAP codes: neu hap exc ang sad fru fea sur dis oth xxx)", raw);
    }
    const std::string& vad = Trim(fields[3]);
    double v = 0;
    bool vad_ok = vad.size() > 2 && vad.front() == '[' && vad.back() == ']';
    if (vad_ok) {
      std::stringstream vs(vad.substr(1, vad.size() - 2));
      std::string x;
      int count = 0;
      while (std::getline(vs, x, ',')) {
        vad_ok = vad_ok && ParseDouble(x, &v);
        ++count;
      }
      vad_ok = vad_ok && count == 3;
    }
    if (!vad_ok) Malformed(path, n, "bad valence/activation/dominance, expected '[V, A, D]'", raw);
    out.push_back(l);
  }
  return out;
}

struct TranscriptLine {
  std::string text;
  size_t line = 0;
};

// One transcription file: id -> text. Lines not starting with "Ses" are not
// utterances; lines with an id but no "[start-end]:" are malformed.
std::map<std::string, TranscriptLine> ParseTranscriptFile(const std::string& path) {
  std::map<std::string, TranscriptLine> out;
  const auto lines = ReadLines(path);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& raw = lines[i];
    const size_t n = i + 1;
    if (raw.compare(0, 3, "Ses") != 0) continue;  // "M: Yeah.", "F: [LAUGHTER]", blank
    const auto space = raw.find(' ');
    const auto open = raw.find('[');
    const auto close = raw.find("]:");
    if (space == std::string::npos || open != space + 1 || close == std::string::npos || close < open) {
      Malformed(path, n, "expected 'id [start-end]: text'", raw);
    }
    const std::string id = raw.substr(0, space);
    const std::string times = raw.substr(open + 1, close - open - 1);
    const auto dash = times.find('-');
    double start = 0, end = 0;
    if (dash == std::string::npos || !ParseDouble(times.substr(0, dash), &start) ||
        !ParseDouble(times.substr(dash + 1), &end)) {
      Malformed(path, n, "bad time segment, expected '[start-end]'", raw);
    }
    std::string text = raw.substr(close + 2);
    text = Trim(text);
    int session = 0;
    char gender = 0;
    std::string dialog;
    // Unlabelled turns (..._MXX0) may repeat; a labelled utterance id may not.
    if (!SplitUtteranceId(id, &session, &gender, &dialog)) continue;
    auto [it, inserted] = out.emplace(id, TranscriptLine{text, n});
    if (!inserted) Malformed(path, n, Cat("utterance ", id, " already transcribed at line ", it->second.line), raw);
  }
  return out;
}

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

}  // namespace

Corpus ReadIemocap(const std::string& root, const DataOptions& options) {
  const LabelPolicy policy = LabelPolicy::FromOptions(options);
  if (options.expect_full_release && !policy.IsStandardIemocap4()) {
    throw UsageError("data.expect_full_release: the standard counts are those of the 4-class policy "
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
      const std::string dialog = fs::path(label_file).stem().string();
      const fs::path transcript_file = sdir / "dialog" / "transcriptions" / (dialog + ".txt");
      if (!fs::is_regular_file(transcript_file, ec)) {
        throw DataError(Cat(label_file, ": no transcript file ", transcript_file.string()));
      }
      const auto labels = ParseLabelFile(label_file);
      const auto transcripts = ParseTranscriptFile(transcript_file.string());
      for (const auto& l : labels) {
        int id_session = 0;
        char gender = 0;
        std::string id_dialog;
        SplitUtteranceId(l.id, &id_session, &gender, &id_dialog);
        if (id_dialog != dialog) {
          throw DataError(Cat(label_file, ":", l.line, ": utterance ", l.id, " does not belong to dialog ", dialog));
        }
        if (id_session != session) {
          throw DataError(Cat(label_file, ":", l.line, ": utterance ", l.id, " is in Session", session));
        }
        if (!seen_ids.insert(l.id).second) {
          throw DataError(Cat(label_file, ":", l.line, ": duplicate utterance id ", l.id));
        }
        const int label = counter.Apply(l.code);
        if (label < 0) continue;
        auto t = transcripts.find(l.id);
        if (t == transcripts.end()) {
          throw DataError(Cat(transcript_file.string(), ": no transcript line for ", l.id, " (labelled at ",
                              label_file, ":", l.line, ")"));
        }
        Utterance u;
        u.id = l.id;
        u.wav_path = (sdir / "sentences" / "wav" / dialog / (l.id + ".wav")).string();
        if (!fs::is_regular_file(u.wav_path, ec)) {
          throw DataError(Cat(u.wav_path, ": missing wav for ", l.id, " (labelled at ", label_file, ":", l.line, ")"));
        }
        u.text = t->second.text;
        u.code = l.code;
        u.label = label;
        u.speaker = Cat(session, gender);
        u.session = session;
        u.dialog = dialog;
        u.improvised = dialog.find("_impro") != std::string::npos;
        u.start_s = l.start;
        u.end_s = l.end;
        corpus.utterances.push_back(std::move(u));
      }
    }
  }
  if (sessions_found == 0) throw DataError(release.string() + ": no Session1..5 folders");
  corpus.counts = counter.counts();
  log::Info(Cat("IEMOCAP ", release.string(), ": ", corpus.utterances.size(), " utterances kept in ",
                sessions_found, " sessions"));

  const bool looks_full = sessions_found == 5 && corpus.utterances.size() > 5000;
  if (policy.IsStandardIemocap4() && (options.expect_full_release || looks_full)) {
    const IemocapStandardCheck check = CheckIemocapStandardCounts(corpus);
    if (check.matches) {
      log::Info("IEMOCAP standard 4-class counts reproduced (5,531 utterances; docs/design.md §5)\n" + check.table);
    } else if (options.expect_full_release) {
      throw DataError(corpus.source + ": data.expect_full_release is set but the counts differ from "
                      "IEMOCAP's standard 4-class counts (docs/design.md §5):\n" + check.table);
    } else {
      log::Warn("!!! " + corpus.source + " looks like the full IEMOCAP release, but its 4-class counts "
                "DIFFER from the standard ones (docs/design.md §5). The reader or the corpus is wrong:\n" + check.table);
    }
  }
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
