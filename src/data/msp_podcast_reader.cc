#include "merhan/data/msp_podcast_reader.h"

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "merhan/data/csv_records.h"
#include "merhan/data/label_policy.h"
#include "merhan/data/release_files.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"
#include "merhan/util/printable.h"

namespace merhan {
namespace fs = std::filesystem;
namespace {

// One segment's row of the consensus labels, from the CSV or the JSON.
struct LabelRow {
  std::string where;  // "labels_consensus.csv:17" or "labels_consensus.json: <FileName>"
  std::string file, emo_class, act, val, dom, speaker, gender, split;
};

const std::vector<std::string> kColumns = {"FileName", "EmoClass", "EmoAct", "EmoVal",
                                           "EmoDom",   "SpkrID",   "Gender", "Split_Set"};

std::vector<LabelRow> ReadCsvRows(const fs::path& path) {
  const CsvTable table = CsvTable::Parse(path.string(), ReadFileToString(path.string()), kColumns);
  std::vector<LabelRow> rows;
  for (const CsvRecord& r : table.rows) {
    rows.push_back({table.Where(r), table.Field(r, "FileName"), table.Field(r, "EmoClass"), table.Field(r, "EmoAct"),
                    table.Field(r, "EmoVal"), table.Field(r, "EmoDom"), table.Field(r, "SpkrID"),
                    table.Field(r, "Gender"), table.Field(r, "Split_Set")});
  }
  return rows;
}

// A JSON value as text: strings as they are, numbers as written (SpkrID 127).
std::string Text(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) throw DataError(where + ": no '" + key + "'");
  const auto& v = j.at(key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_number()) return nlohmann::json(v).dump();
  throw DataError(where + ": '" + key + "' must be a string or a number");
}

std::vector<LabelRow> ReadJsonRows(const fs::path& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ReadFileToString(path.string()));
  } catch (const nlohmann::json::exception& e) {
    throw DataError(path.string() + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object()) throw DataError(path.string() + ": expected an object {FileName: {EmoClass: ...}}");
  std::vector<LabelRow> rows;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string where = path.string() + ": " + Printable(it.key());
    if (!it.value().is_object()) throw DataError(where + ": expected an object of labels");
    const auto& v = it.value();
    rows.push_back({where, it.key(), Text(v, "EmoClass", where), Text(v, "EmoAct", where), Text(v, "EmoVal", where),
                    Text(v, "EmoDom", where), Text(v, "SpkrID", where), Text(v, "Gender", where),
                    Text(v, "Split_Set", where)});
  }
  return rows;
}

std::string SplitOf(const LabelRow& row) {
  static const std::map<std::string, std::string> kSplits = {
      {"Train", "train"},           {"Development", "validation"},
      {"Validation", "validation"}, {"Test1", "test1"},
      {"Test2", "test2"},           {"Test3", "test3"}};
  const auto it = kSplits.find(row.split);
  if (it == kSplits.end()) {
    throw DataError(row.where + ": Split_Set '" + Printable(row.split) +
                    "' (expected Train, Development, Validation, Test1, Test2 or Test3)");
  }
  return it->second;
}

void CheckClass(const LabelRow& row) {
  static const std::set<std::string> kCodes = {"A", "S", "H", "U", "F", "D", "C", "N", "O", "X"};
  if (!kCodes.count(row.emo_class)) {
    throw DataError(row.where + ": unknown EmoClass '" + Printable(row.emo_class) + "' (expected A S H U F D C N O X)");
  }
}

fs::path LabelFile(const fs::path& root) {
  const fs::path labels = FindFolder(root, {"Labels"}, "Labels");
  for (const char* stem : {"labels_consensus", "labels_concensus"}) {
    for (const char* ext : {".csv", ".json"}) {
      const fs::path p = labels / (std::string(stem) + ext);
      std::error_code ec;
      if (fs::is_regular_file(p, ec)) return p;
    }
  }
  throw DataError(labels.string() + ": no labels_consensus.csv or .json (nor the older labels_concensus spelling)");
}

Utterance Build(const LabelRow& row, const std::string& split, const fs::path& audio) {
  Utterance u;
  u.id = fs::path(row.file).stem().string();
  u.wav_path = audio.string();
  u.code = row.emo_class;
  u.split = split;
  u.speaker = row.speaker == "Unknown" ? "msp:Unknown@" + split : "msp:" + row.speaker;
  const size_t cut = u.id.rfind('_');
  u.dialog = cut == std::string::npos ? u.id : u.id.substr(0, cut);  // MSP-PODCAST_0001_0008 -> podcast 0001
  u.origin = row.where;
  u.columns = {
      {"gender", row.gender}, {"EmoAct", row.act}, {"EmoVal", row.val}, {"EmoDom", row.dom}, {"Split_Set", row.split}};
  return u;
}

}  // namespace

Corpus ReadMspPodcast(const std::string& root, const DataOptions& options) {
  const fs::path label_file = LabelFile(root);
  const fs::path audios = FindFolder(root, {"Audios", "Audio"}, "audio");
  const fs::path transcripts = fs::path(root) / "Transcripts";
  const std::vector<LabelRow> rows =
      label_file.extension() == ".csv" ? ReadCsvRows(label_file) : ReadJsonRows(label_file);
  const LabelPolicy policy = LabelPolicy::FromOptions(options);
  LabelCounter counter(policy);
  Corpus corpus;
  corpus.source = root;
  std::set<std::string> ids;
  for (const LabelRow& row : rows) {
    if (row.file.empty()) throw DataError(row.where + ": empty FileName");
    if (row.speaker.empty()) throw DataError(row.where + ": empty SpkrID (the release writes Unknown)");
    CheckClass(row);
    const std::string split = SplitOf(row);
    Utterance u = Build(row, split, audios / row.file);
    if (!ids.insert(u.id).second) throw DataError(row.where + ": duplicate FileName '" + Printable(row.file) + "'");
    if (policy.IndexOf(row.emo_class) < 0) {  // dropped by the label policy, counted
      counter.Apply(row.emo_class);
      continue;
    }
    std::error_code ec;
    if (!fs::is_regular_file(u.wav_path, ec)) throw DataError(row.where + ": audio file not found: " + u.wav_path);
    const fs::path transcript = transcripts / (u.id + ".txt");
    if (!fs::is_regular_file(transcript, ec)) {
      LeaveOut(&corpus, u.id, "no transcript", transcript.string());
      continue;
    }
    u.text = FirstLine(ReadFileToString(transcript.string()));
    u.text_origin = transcript.string() + ":1";
    if (u.text.empty()) {
      LeaveOut(&corpus, u.id, "empty transcript", transcript.string());
      continue;
    }
    u.label = counter.Apply(row.emo_class);
    corpus.utterances.push_back(std::move(u));
  }
  corpus.counts = counter.counts();
  WarnLeftOut(corpus, "msp-podcast");
  log::Info(Cat("msp-podcast ", root, ": ", corpus.utterances.size(), " utterances kept (",
                label_file.filename().string(), ")"));
  return corpus;
}

}  // namespace merhan
