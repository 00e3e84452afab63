#include "merhan/data/iemocap_files.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <set>
#include <sstream>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

const std::set<std::string> kIemocapCodes = {"neu", "hap", "exc", "ang", "sad", "fru",
                                             "fea", "sur", "dis", "oth", "xxx"};

// Lines as std::getline splits them (no empty line after a final newline), CR stripped.
std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
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

[[noreturn]] void Malformed(const std::string& path, size_t line, const std::string& why, const std::string& text) {
  std::string shown = text.size() > 120 ? text.substr(0, 117) + "..." : text;
  throw DataError(Cat(path, ":", line, ": ", why, ": '", shown, "'"));
}

// Annotator lines: "C-E1:\tNeutral state;\t()", "A-F2:\tval 3; act 2; dom  2;\t()".
bool IsAnnotatorLine(const std::string& line) {
  const auto colon = line.find(':');
  return line.size() > 2 && line[1] == '-' && std::isupper(static_cast<unsigned char>(line[0])) &&
         colon != std::string::npos && colon > 2 && colon < 8;
}

bool ParseVad(const std::string& vad) {
  if (!(vad.size() > 2 && vad.front() == '[' && vad.back() == ']')) return false;
  std::stringstream vs(vad.substr(1, vad.size() - 2));
  std::string x;
  int count = 0;
  double v = 0;
  while (std::getline(vs, x, ',')) {
    if (!ParseDouble(x, &v)) return false;
    ++count;
  }
  return count == 3;
}

// "[start - end]<TAB>id<TAB>code<TAB>[V, A, D]" (already trimmed).
IemocapLabelLine ParseLabelLine(const std::string& line, const std::string& raw, size_t n, const std::string& path) {
  std::vector<std::string> fields;
  std::stringstream ss(line);
  std::string field;
  while (std::getline(ss, field, '\t')) fields.push_back(field);
  if (fields.size() != 4) {
    Malformed(
        path, n,
        Cat("expected 4 tab-separated fields '[start - end]<TAB>id<TAB>code<TAB>[V, A, D]', found ", fields.size()),
        raw);
  }
  IemocapLabelLine l;
  l.line = n;
  const std::string& times = fields[0];
  const auto dash = times.find(" - ");
  if (times.back() != ']' || dash == std::string::npos || !ParseDouble(times.substr(1, dash - 1), &l.start) ||
      !ParseDouble(times.substr(dash + 3, times.size() - dash - 4), &l.end)) {
    Malformed(path, n, "bad time segment, expected '[start - end]'", raw);
  }
  if (!(l.end > l.start) || l.start < 0) Malformed(path, n, "segment end is not after its start", raw);
  l.id = Trim(fields[1]);
  l.code = Trim(fields[2]);
  int session = 0;
  char gender = 0;
  std::string dialog;
  if (!SplitIemocapUtteranceId(l.id, &session, &gender, &dialog)) {
    Malformed(path, n, "bad utterance id (expected e.g. Ses01F_impro01_F000)", raw);
  }
  if (!kIemocapCodes.count(l.code)) {
    Malformed(path, n,
              "unknown emotion code '" + l.code + "' (IEMOCAP codes: neu hap exc ang sad fru fea sur dis oth xxx)",
              raw);
  }
  if (!ParseVad(Trim(fields[3]))) Malformed(path, n, "bad valence/activation/dominance, expected '[V, A, D]'", raw);
  return l;
}

}  // namespace

bool SplitIemocapUtteranceId(const std::string& id, int* session, char* gender, std::string* dialog) {
  if (id.size() < 8 || id.compare(0, 3, "Ses") != 0 || !std::isdigit(static_cast<unsigned char>(id[3])) ||
      !std::isdigit(static_cast<unsigned char>(id[4]))) {
    return false;
  }
  const auto last = id.rfind('_');
  if (last == std::string::npos || last + 2 > id.size()) return false;
  const std::string turn = id.substr(last + 1);
  if (turn[0] != 'F' && turn[0] != 'M') return false;
  if (turn.size() < 2 ||
      !std::all_of(turn.begin() + 1, turn.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return false;
  }
  *session = (id[3] - '0') * 10 + (id[4] - '0');
  *gender = turn[0];
  *dialog = id.substr(0, last);
  return true;
}

std::vector<IemocapLabelLine> ParseIemocapLabels(const std::string& text, const std::string& path) {
  std::vector<IemocapLabelLine> out;
  const auto lines = SplitLines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& raw = lines[i];
    const std::string line = Trim(raw);
    if (line.empty() || line[0] == '%') continue;
    if (line[0] != '[') {
      if (IsAnnotatorLine(line)) continue;
      Malformed(path, i + 1,
                "neither an utterance line '[start - end]<TAB>id<TAB>code<TAB>[V, A, D]' nor an annotator line", raw);
    }
    out.push_back(ParseLabelLine(line, raw, i + 1, path));
  }
  return out;
}

std::map<std::string, IemocapTranscriptLine> ParseIemocapTranscripts(const std::string& text, const std::string& path) {
  std::map<std::string, IemocapTranscriptLine> out;
  const auto lines = SplitLines(text);
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
    int session = 0;
    char gender = 0;
    std::string dialog;
    // Unlabelled turns (..._MXX0) may repeat; a labelled utterance id may not.
    if (!SplitIemocapUtteranceId(id, &session, &gender, &dialog)) continue;
    auto [it, inserted] = out.emplace(id, IemocapTranscriptLine{Trim(raw.substr(close + 2)), n});
    if (!inserted) Malformed(path, n, Cat("utterance ", id, " already transcribed at line ", it->second.line), raw);
  }
  return out;
}

}  // namespace merhan
