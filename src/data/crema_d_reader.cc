#include "merhan/data/crema_d_reader.h"

#include <regex>
#include <set>

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

struct Actor {
  std::string sex, age;
};

std::map<std::string, Actor> ReadDemographics(const fs::path& root) {
  const fs::path path = FirstExisting(root, {"VideoDemographics.csv", "processedResults/VideoDemographics.csv"});
  if (path.empty()) throw DataError(root.string() + ": no VideoDemographics.csv (the actors' sex and age)");
  const CsvTable table = CsvTable::Parse(path.string(), ReadFileToString(path.string()), {"ActorID", "Sex"});
  std::map<std::string, Actor> actors;
  for (const CsvRecord& row : table.rows) {
    const std::string id = table.Field(row, "ActorID"), sex = table.Field(row, "Sex");
    if (sex != "Male" && sex != "Female") {
      throw DataError(table.Where(row) + ": Sex '" + Printable(sex) + "' (expected Male or Female)");
    }
    if (!actors.emplace(id, Actor{sex, table.Has("Age") ? table.Field(row, "Age") : ""}).second) {
      throw DataError(table.Where(row) + ": ActorID " + Printable(id) + " listed twice");
    }
  }
  return actors;
}

struct FileName {
  std::string actor, sentence, emotion, level;
};

FileName Parse(const fs::path& file) {
  static const std::regex kName(R"((\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{2}))");
  static const std::set<std::string> kEmotions = {"ANG", "DIS", "FEA", "HAP", "NEU", "SAD"};
  static const std::set<std::string> kLevels = {"LO", "MD", "HI", "XX"};
  const std::string stem = file.stem().string();
  std::smatch m;
  if (!std::regex_match(stem, m, kName)) {
    throw DataError(file.string() +
                    ": not a CREMA-D file name (expected <actor>_<sentence>_<emotion>_<level>.wav, "
                    "e.g. 1001_DFA_ANG_XX.wav)");
  }
  FileName f{m[1], m[2], m[3], m[4]};
  if (!CremaDSentences().count(f.sentence)) throw DataError(file.string() + ": unknown sentence code " + f.sentence);
  if (!kEmotions.count(f.emotion)) {
    throw DataError(file.string() + ": unknown emotion code " + f.emotion + " (expected ANG DIS FEA HAP NEU SAD)");
  }
  if (!kLevels.count(f.level))
    throw DataError(file.string() + ": unknown level " + f.level + " (expected LO MD HI XX)");
  return f;
}

}  // namespace

const std::map<std::string, std::string>& CremaDSentences() {
  static const std::map<std::string, std::string> sentences = {
      {"IEO", "It's eleven o'clock."},
      {"TIE", "That is exactly what happened."},
      {"IOM", "I'm on my way to the meeting."},
      {"IWW", "I wonder what this is about."},
      {"TAI", "The airplane is almost full."},
      {"MTI", "Maybe tomorrow it will be cold."},
      {"IWL", "I would like a new alarm clock."},
      {"ITH", "I think I have a doctor's appointment."},
      {"DFA", "Don't forget a jacket."},
      {"ITS", "I think I've seen this before."},
      {"TSI", "The surface is slick."},
      {"WSI", "We'll stop in a couple of minutes."},
  };
  return sentences;
}

Corpus ReadCremaD(const std::string& root, const DataOptions& options) {
  const fs::path audio = FindFolder(root, {"AudioWAV"}, "AudioWAV");
  const auto actors = ReadDemographics(root);
  const LabelPolicy policy = LabelPolicy::FromOptions(options);
  LabelCounter counter(policy);
  Corpus corpus;
  corpus.source = root;
  for (const fs::path& file : FilesIn(audio, ".wav")) {
    const FileName f = Parse(file);
    const auto actor = actors.find(f.actor);
    if (actor == actors.end())
      throw DataError(file.string() + ": actor " + f.actor + " is not in VideoDemographics.csv");
    const int label = counter.Apply(f.emotion);
    if (label < 0) continue;
    Utterance u;
    u.id = file.stem().string();
    u.wav_path = file.string();
    u.text = CremaDSentences().at(f.sentence);
    u.code = f.emotion;
    u.label = label;
    u.speaker = "crema:" + f.actor;
    u.dialog = f.sentence;
    u.origin = u.text_origin = file.string();
    u.columns = {
        {"sentence", f.sentence}, {"level", f.level}, {"gender", actor->second.sex}, {"age", actor->second.age}};
    corpus.utterances.push_back(std::move(u));
  }
  if (corpus.utterances.empty() && counter.counts().dropped.empty()) {
    throw DataError(audio.string() + ": no .wav files");
  }
  corpus.counts = counter.counts();
  log::Info(Cat("crema-d ", root, ": ", corpus.utterances.size(), " utterances kept"));
  return corpus;
}

}  // namespace merhan
