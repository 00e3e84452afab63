#include "merhan/data/manifest_reader.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "merhan/data/csv_records.h"
#include "merhan/data/label_policy.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"
#include "merhan/util/printable.h"

namespace merhan {
namespace fs = std::filesystem;
namespace {

// A bad row: reported as "file:line: why" or skipped with skip_bad.
struct BadRow : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string Trim(const std::string& s) { return TrimSpaces(s); }

struct Row {
  std::string id, wav, text, label, speaker, session;
  bool has_session = false;
  std::map<std::string, std::string> columns;  // the other columns (e.g. precomputed feature files)
};

constexpr long kMaxSession = 1000000;

// The session column's value, or -1 when it is not an integer in [0, kMaxSession]. The
// whole string must be the number: a NUL inside it ends strtol's parse early.
long ParseSession(const std::string& text) {
  if (text.empty()) return -1;
  char* end = nullptr;
  errno = 0;
  const long s = std::strtol(text.c_str(), &end, 10);
  if (errno != 0 || end != text.c_str() + text.size() || s < 0 || s > kMaxSession) return -1;
  return s;
}

bool IsStandardColumn(const std::string& name) {
  for (const char* c : {"id", "wav", "text", "label", "speaker", "session"}) {
    if (name == c) return true;
  }
  return false;
}

class Builder {
 public:
  Builder(const std::string& path, const DataOptions& options)
      : path_(path),
        base_(fs::path(path).parent_path()),
        policy_(LabelPolicy::FromOptions(options)),
        counter_(policy_),
        skip_bad_(options.skip_bad) {
    corpus_.source = path;
  }

  void Add(size_t line, const Row& row) {
    try {
      Check(row);
    } catch (const BadRow& e) {
      const std::string message = Cat(fs::path(path_).filename().string(), ":", line, ": ", e.what());
      if (!skip_bad_) throw DataError(Cat(path_, ":", line, ": ", e.what()));
      ++corpus_.skipped_rows;
      corpus_.skipped.push_back(message);
      return;
    }
    ids_.emplace(row.id, line);
    const int label = counter_.Apply(row.label);
    if (label < 0) return;
    Utterance u;
    u.id = row.id;
    fs::path wav(row.wav);
    u.wav_path = (wav.is_absolute() ? wav : base_ / wav).lexically_normal().string();
    u.text = row.text;
    u.code = row.label;
    u.label = label;
    u.speaker = row.speaker;
    u.session = row.has_session ? static_cast<int>(ParseSession(row.session)) : 0;
    u.columns = row.columns;
    u.origin = u.text_origin = Cat(path_, ":", line);
    corpus_.utterances.push_back(std::move(u));
  }

  void Bad(size_t line, const std::string& why) {
    if (!skip_bad_) throw DataError(Cat(path_, ":", line, ": ", why));
    ++corpus_.skipped_rows;
    corpus_.skipped.push_back(Cat(fs::path(path_).filename().string(), ":", line, ": ", why));
  }

  Corpus Finish() {
    corpus_.counts = counter_.counts();
    if (corpus_.skipped_rows > 0) {
      std::string first;
      for (size_t i = 0; i < corpus_.skipped.size() && i < 5; ++i) first += "\n  " + corpus_.skipped[i];
      log::Warn(Cat(path_, ": skipped ", corpus_.skipped_rows, " bad rows (data.skip_bad):", first));
    }
    log::Info(Cat("manifest ", path_, ": ", corpus_.utterances.size(), " utterances kept"));
    return std::move(corpus_);
  }

 private:
  void Check(const Row& row) {
    for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"id", &row.id},
                                      {"wav", &row.wav},
                                      {"label", &row.label},
                                      {"speaker", &row.speaker}}) {
      if (value->empty()) throw BadRow(Cat("empty '", name, "'"));
    }
    const auto first = ids_.find(row.id);
    if (first != ids_.end())
      throw BadRow(Cat("duplicate id '", Printable(row.id), "' (first at line ", first->second, ")"));
    if (row.has_session && ParseSession(row.session) < 0) {
      throw BadRow("session '" + Printable(row.session) + "' is not a non-negative integer");
    }
    fs::path wav(row.wav);
    const fs::path resolved = wav.is_absolute() ? wav : base_ / wav;
    std::error_code ec;
    if (!fs::is_regular_file(resolved, ec)) throw BadRow("wav file not found: " + Printable(resolved.string()));
  }

  std::string path_;
  fs::path base_;
  LabelPolicy policy_;
  LabelCounter counter_;
  bool skip_bad_;
  std::map<std::string, size_t> ids_;  // id -> line of its row
  Corpus corpus_;
};

Corpus ReadCsv(const std::string& path, const std::string& text, const DataOptions& options) {
  const auto records = ParseCsv(text);
  if (records.empty()) throw DataError(path + ": empty manifest (expected a header row)");
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < records[0].fields.size(); ++i) column[Trim(records[0].fields[i])] = i;
  for (const char* required : {"id", "wav", "text", "label", "speaker"}) {
    if (!column.count(required)) {
      throw DataError(Cat(path, ":1: header has no '", required,
                          "' column (need id, wav, text, label, speaker; optional session)"));
    }
  }
  const bool has_session = column.count("session") > 0;
  Builder builder(path, options);
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& rec = records[r];
    if (rec.unterminated) {
      builder.Bad(rec.line, "unterminated quoted field");
      continue;
    }
    if (rec.fields.size() != records[0].fields.size()) {
      builder.Bad(rec.line, Cat("expected ", records[0].fields.size(), " fields, found ", rec.fields.size()));
      continue;
    }
    Row row;
    row.id = Trim(rec.fields[column["id"]]);
    row.wav = Trim(rec.fields[column["wav"]]);
    row.text = rec.fields[column["text"]];
    row.label = Trim(rec.fields[column["label"]]);
    row.speaker = Trim(rec.fields[column["speaker"]]);
    if (has_session) {
      row.session = Trim(rec.fields[column["session"]]);
      row.has_session = true;
    }
    for (const auto& [name, index] : column) {
      if (!IsStandardColumn(name)) row.columns[name] = Trim(rec.fields[index]);
    }
    builder.Add(rec.line, row);
  }
  return builder.Finish();
}

Corpus ReadJsonl(const std::string& path, const std::string& text, const DataOptions& options) {
  Builder builder(path, options);
  size_t line_no = 0, begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(begin, end - begin);
    begin = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (Trim(line).empty()) {
      if (end == text.size()) break;
      continue;
    }
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e400
      builder.Bad(line_no, Cat("not valid JSON (", e.what(), ")"));
      continue;
    }
    if (!j.is_object()) {
      builder.Bad(line_no, "expected a JSON object");
      continue;
    }
    Row row;
    std::string why;
    for (const auto& [key, field] : {std::pair<const char*, std::string*>{"id", &row.id},
                                     {"wav", &row.wav},
                                     {"text", &row.text},
                                     {"label", &row.label},
                                     {"speaker", &row.speaker}}) {
      if (!j.contains(key)) {
        why = Cat("missing key '", key, "'");
        break;
      }
      if (j[key].is_string()) {
        *field = j[key].get<std::string>();
      } else if (j[key].is_number_integer() && std::string(key) != "text") {
        *field = std::to_string(j[key].get<long long>());
      } else {
        why = Cat("key '", key, "' must be a string");
        break;
      }
    }
    if (why.empty() && j.contains("session") && !j["session"].is_null()) {
      row.has_session = true;
      if (j["session"].is_number_integer()) {
        row.session = std::to_string(j["session"].get<long long>());
      } else if (j["session"].is_string()) {
        row.session = j["session"].get<std::string>();
      } else {
        why = "key 'session' must be an integer";
      }
    }
    if (!why.empty()) {
      builder.Bad(line_no, why);
      continue;
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!IsStandardColumn(it.key()) && it.value().is_string()) row.columns[it.key()] = it.value().get<std::string>();
    }
    builder.Add(line_no, row);
    if (end == text.size()) break;
  }
  return builder.Finish();
}

}  // namespace

Corpus ReadManifest(const std::string& manifest_path, const DataOptions& options) {
  const std::string text = ReadFileToString(manifest_path);
  const std::string ext = fs::path(manifest_path).extension().string();
  if (ext == ".jsonl" || ext == ".json" || ext == ".ndjson") return ReadJsonl(manifest_path, text, options);
  if (ext == ".csv") return ReadCsv(manifest_path, text, options);
  throw DataError(manifest_path + ": unknown manifest format (expected .csv or .jsonl)");
}

}  // namespace merhan
