#include "merhan/data/ravdess_reader.h"

#include <algorithm>
#include <regex>

#include "merhan/data/label_policy.h"
#include "merhan/data/release_files.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace fs = std::filesystem;
namespace {

const std::vector<std::string> kEmotions = {"neutral", "calm",    "happy",   "sad",
                                            "angry",   "fearful", "disgust", "surprised"};
const std::vector<std::string> kStatements = {"Kids are talking by the door.", "Dogs are sitting by the door."};

struct FileName {
  int modality, channel, emotion, intensity, statement, repetition, actor;
};

// Field `index` (1-based) of `name` must lie in [lo, hi].
int Field(const std::smatch& m, size_t index, int lo, int hi, const char* what, const fs::path& file) {
  const int v = std::stoi(m[index]);
  if (v < lo || v > hi) {
    throw DataError(file.string() + ": " + what + " " + m[index].str() + " (expected " + std::to_string(lo) + "-" +
                    std::to_string(hi) + ")");
  }
  return v;
}

FileName Parse(const fs::path& file) {
  static const std::regex kName(R"((\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2}))");
  const std::string stem = file.stem().string();
  std::smatch m;
  if (!std::regex_match(stem, m, kName)) {
    throw DataError(file.string() +
                    ": not a RAVDESS file name (expected MM-VV-EE-II-SS-RR-AA.wav, e.g. "
                    "03-01-05-01-02-01-12.wav)");
  }
  FileName f{};
  f.modality = Field(m, 1, 1, 3, "modality", file);
  f.channel = Field(m, 2, 1, 2, "vocal channel", file);
  f.emotion = Field(m, 3, 1, 8, "emotion", file);
  f.intensity = Field(m, 4, 1, 2, "intensity", file);
  f.statement = Field(m, 5, 1, 2, "statement", file);
  f.repetition = Field(m, 6, 1, 2, "repetition", file);
  f.actor = Field(m, 7, 1, 24, "actor", file);
  if (f.modality != 3) throw DataError(file.string() + ": modality " + m[1].str() + " in a .wav (audio-only is 03)");
  if (f.emotion == 1 && f.intensity == 2) throw DataError(file.string() + ": neutral has no strong intensity (02)");
  return f;
}

std::string TwoDigits(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }

std::vector<fs::path> ActorFolders(const fs::path& root) {
  fs::path base = root;
  std::error_code ec;
  if (fs::is_directory(root / "Audio_Speech_Actors_01-24", ec)) base = root / "Audio_Speech_Actors_01-24";
  std::vector<fs::path> folders;
  for (const auto& entry : fs::directory_iterator(base)) {
    if (entry.is_directory() && entry.path().filename().string().compare(0, 6, "Actor_") == 0) {
      folders.push_back(entry.path());
    }
  }
  std::sort(folders.begin(), folders.end());
  if (folders.empty()) throw DataError(root.string() + ": not a RAVDESS release (no Actor_01..Actor_24 folders)");
  return folders;
}

}  // namespace

Corpus ReadRavdess(const std::string& root, const DataOptions& options) {
  const LabelPolicy policy = LabelPolicy::FromOptions(options);
  LabelCounter counter(policy);
  Corpus corpus;
  corpus.source = root;
  for (const fs::path& folder : ActorFolders(root)) {
    for (const fs::path& file : FilesIn(folder, ".wav")) {
      const FileName f = Parse(file);
      if (folder.filename().string() != "Actor_" + TwoDigits(f.actor)) {
        throw DataError(file.string() + ": actor " + TwoDigits(f.actor) + " in folder " + folder.filename().string());
      }
      if (f.channel == 2) {
        LeaveOut(&corpus, file.stem().string(), "song", file.string());
        continue;
      }
      const std::string& emotion = kEmotions[static_cast<size_t>(f.emotion - 1)];
      const int label = counter.Apply(emotion);
      if (label < 0) continue;
      Utterance u;
      u.id = file.stem().string();
      u.wav_path = file.string();
      u.text = kStatements[static_cast<size_t>(f.statement - 1)];
      u.code = emotion;
      u.label = label;
      u.speaker = "ravdess:" + TwoDigits(f.actor);
      u.origin = u.text_origin = file.string();
      u.columns = {{"gender", f.actor % 2 == 1 ? "male" : "female"},
                   {"intensity", f.intensity == 1 ? "normal" : "strong"},
                   {"statement", TwoDigits(f.statement)},
                   {"repetition", TwoDigits(f.repetition)}};
      corpus.utterances.push_back(std::move(u));
    }
  }
  corpus.counts = counter.counts();
  WarnLeftOut(corpus, "ravdess");
  log::Info(Cat("ravdess ", root, ": ", corpus.utterances.size(), " utterances kept"));
  return corpus;
}

}  // namespace merhan
