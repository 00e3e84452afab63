#include "merhan/data/meld_reader.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <set>

#include "merhan/audio/audio_probe.h"
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

struct MeldSplit {
  const char* name;   // in file and folder names: train, dev, test
  const char* split;  // Utterance::split
  std::vector<std::string> csv;
  std::vector<std::string> media;
};

const std::vector<MeldSplit>& Splits() {
  static const std::vector<MeldSplit> splits = {
      {"train",
       "train",
       {"train_sent_emo.csv", "train/train_sent_emo.csv"},
       {"train_splits", "train/train_splits", "train"}},
      {"dev",
       "validation",
       {"dev_sent_emo.csv", "dev/dev_sent_emo.csv"},
       {"dev_splits_complete", "dev/dev_splits_complete", "dev"}},
      {"test",
       "test",
       {"test_sent_emo.csv", "test/test_sent_emo.csv"},
       {"output_repeated_splits_test", "test/output_repeated_splits_test", "test"}},
  };
  return splits;
}

long NonNegative(const CsvTable& table, const CsvRecord& row, const char* column) {
  const std::string text = table.Field(row, column);
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || errno != 0 || end != text.c_str() + text.size() || v < 0) {
    throw DataError(table.Where(row) + ": " + column + " '" + Printable(text) + "' is not a non-negative integer");
  }
  return v;
}

// "00:16:16,059" -> seconds; DataError naming the row when malformed.
double Timestamp(const CsvTable& table, const CsvRecord& row, const char* column) {
  static const std::regex kTime(R"((\d+):(\d{2}):(\d{2})[,.](\d{1,3}))");
  const std::string text = table.Field(row, column);
  std::smatch m;
  if (!std::regex_match(text, m, kTime)) {
    throw DataError(table.Where(row) + ": " + column + " '" + Printable(text) + "' (expected HH:MM:SS,mmm)");
  }
  return std::stoi(m[1]) * 3600.0 + std::stoi(m[2]) * 60.0 + std::stoi(m[3]) +
         std::stoi(m[4]) / std::pow(10.0, static_cast<double>(m[4].length()));
}

void CheckEmotion(const CsvTable& table, const CsvRecord& row, const std::string& emotion) {
  static const std::set<std::string> kEmotions = {"neutral", "joy", "sadness", "anger", "surprise", "fear", "disgust"};
  if (!kEmotions.count(emotion)) {
    throw DataError(table.Where(row) + ": unknown Emotion '" + Printable(emotion) +
                    "' (expected neutral joy sadness anger surprise fear disgust)");
  }
}

// The media file of (dialogue, utterance), with or without the test set's prefix; empty if none.
fs::path MediaFile(const fs::path& dir, long dialogue, long utterance) {
  const std::string name = "dia" + std::to_string(dialogue) + "_utt" + std::to_string(utterance) + ".mp4";
  return FirstExisting(dir, {name, "final_videos_test" + name});
}

// Empty when the media can be used, else why it is left out.
std::string MediaProblem(const fs::path& media, std::string* detail) {
  if (media.empty()) return "missing media";
  try {
    const AudioHeader h = ProbeAudio(media.string());
    if (h.seconds() > kMeldMaxSeconds) {
      *detail = media.string() + ", " + std::to_string(static_cast<int>(h.seconds())) + " s";
      return "longer than " + std::to_string(static_cast<int>(kMeldMaxSeconds)) + " s";
    }
  } catch (const DataError& e) {
    *detail = e.what();
    return "unreadable media";
  }
  return "";
}

Utterance Build(const CsvTable& table, const CsvRecord& row, const MeldSplit& split, long dialogue, long utterance) {
  Utterance u;
  const std::string dia = std::string(split.name) + "_dia" + std::to_string(dialogue);
  u.id = dia + "_utt" + std::to_string(utterance);
  u.dialog = dia;
  u.split = split.split;
  u.text = TrimSpaces(table.RawField(row, "Utterance"));
  u.code = table.Field(row, "Emotion");
  u.speaker = "meld:" + table.Field(row, "Speaker");
  u.origin = u.text_origin = table.Where(row);
  if (table.Has("StartTime") && table.Has("EndTime")) {
    u.start_s = Timestamp(table, row, "StartTime");
    u.end_s = Timestamp(table, row, "EndTime");
  }
  for (const char* c : {"Sentiment", "Season", "Episode"}) {
    if (table.Has(c)) u.columns[c] = table.Field(row, c);
  }
  return u;
}

void ReadSplit(const fs::path& root, const MeldSplit& split, LabelCounter* counter, Corpus* corpus) {
  const fs::path csv = FirstExisting(root, split.csv);
  if (csv.empty()) throw DataError(root.string() + ": no " + split.csv.front() + " (nor " + split.csv.back() + ")");
  const fs::path media = FindFolder(root, split.media, std::string(split.name) + " media");
  const CsvTable table = CsvTable::Parse(csv.string(), ReadFileToString(csv.string()),
                                         {"Utterance", "Speaker", "Emotion", "Dialogue_ID", "Utterance_ID"});
  std::set<std::string> ids;
  for (const CsvRecord& row : table.rows) {
    const long dialogue = NonNegative(table, row, "Dialogue_ID"), utterance = NonNegative(table, row, "Utterance_ID");
    Utterance u = Build(table, row, split, dialogue, utterance);
    CheckEmotion(table, row, u.code);
    if (table.Field(row, "Speaker").empty()) throw DataError(table.Where(row) + ": empty Speaker");
    if (!ids.insert(u.id).second)
      throw DataError(table.Where(row) + ": duplicate Dialogue_ID/Utterance_ID (" + u.id + ")");
    if (counter->policy().IndexOf(u.code) < 0) {  // dropped by the label policy, counted
      counter->Apply(u.code);
      continue;
    }
    const fs::path file = MediaFile(media, dialogue, utterance);
    std::string detail =
        (media / ("dia" + std::to_string(dialogue) + "_utt" + std::to_string(utterance) + ".mp4")).string();
    const std::string problem = MediaProblem(file, &detail);
    if (!problem.empty()) {
      LeaveOut(corpus, u.id, problem, table.Where(row) + ": " + detail);
      continue;
    }
    u.wav_path = file.string();
    u.label = counter->Apply(u.code);
    corpus->utterances.push_back(std::move(u));
  }
}

fs::path FindRelease(const std::string& root) {
  const fs::path r(root);
  std::error_code ec;
  if (!FirstExisting(r, {"train_sent_emo.csv", "train/train_sent_emo.csv"}).empty()) return r;
  if (fs::is_directory(r / "MELD.Raw", ec)) return r / "MELD.Raw";
  throw DataError(root + ": not a MELD release (no train_sent_emo.csv, no MELD.Raw/)");
}

}  // namespace

Corpus ReadMeld(const std::string& root, const DataOptions& options) {
  const fs::path release = FindRelease(root);
  const LabelPolicy policy = LabelPolicy::FromOptions(options);
  LabelCounter counter(policy);
  Corpus corpus;
  corpus.source = release.string();
  for (const MeldSplit& split : Splits()) ReadSplit(release, split, &counter, &corpus);
  corpus.counts = counter.counts();
  WarnLeftOut(corpus, "meld");
  log::Info(Cat("meld ", corpus.source, ": ", corpus.utterances.size(), " utterances kept, ", corpus.left_out.size(),
                " left out"));
  return corpus;
}

}  // namespace merhan
