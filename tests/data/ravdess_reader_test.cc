// The RAVDESS reader against the synthetic release layout's ground truth
// (scripts/make_corpus --layout ravdess): file-name fields, statements, calm dropped
// unless mapped, songs left out, actors' gender, speaker-kfold folds, and errors naming
// the file.
#include <gtest/gtest.h>

#include <filesystem>

#include "merhan/data/corpus_audit.h"
#include "merhan/data/ravdess_reader.h"
#include "release_layout.h"

namespace merhan {
namespace {
namespace fs = std::filesystem;
using namespace testing;

const std::map<std::string, int> kFourClass = {{"neutral", 0}, {"happy", 1}, {"angry", 2}, {"sad", 3}};

std::string Root() { return LayoutDir("ravdess") + "/RAVDESS"; }

TEST(RavdessReader, ReproducesGroundTruthWithTheFourClassMap) {
  const auto truth = LayoutTruth("ravdess");
  const Corpus corpus = ReadCorpus(LayoutOptions("ravdess", Root()));
  ExpectMatchesTruth(corpus, truth, kFourClass);
  const std::map<std::string, int> dropped(corpus.counts.dropped.begin(), corpus.counts.dropped.end());
  EXPECT_GT(dropped.count("calm"), 0u) << "the fixture has calm clips, dropped by the 4-class map";
  EXPECT_EQ(corpus.left_out_counts.at("song"), 1);
  for (const auto& u : corpus.utterances) {
    const int actor = std::stoi(u.speaker.substr(std::string("ravdess:").size()));
    EXPECT_EQ(u.columns.at("gender"), actor % 2 ? "male" : "female") << u.id;
  }
}

TEST(RavdessReader, CalmIsKeptWhenMapped) {
  DataOptions o = LayoutOptions("ravdess", Root());
  o.merge = {{"neu", {"neutral", "calm"}}, {"hap", {"happy"}}, {"ang", {"angry"}}, {"sad", {"sad"}}};
  o.Validate();
  const Corpus corpus = ReadRavdess(Root(), o);
  std::map<std::string, int> index = kFourClass;
  index["calm"] = 0;
  ExpectMatchesTruth(corpus, LayoutTruth("ravdess"), index);
}

TEST(RavdessReader, SpeakerKFoldIsSpeakerDisjointAndOfficialIsRefused) {
  const Corpus corpus = ReadRavdess(Root(), LayoutOptions("ravdess", Root()));
  DataOptions o = LayoutOptions("ravdess", Root());
  o.protocol = "speaker-kfold";
  o.folds = 5;
  ExpectSpeakerDisjoint(MakeFolds(corpus.utterances, o), corpus.utterances);
  o.protocol = "official";
  EXPECT_THROW(o.Validate(), UsageError);
}

TEST(RavdessReader, ErrorsNameTheFile) {
  TempDir dir;
  const std::string root = CopyLayout("ravdess", "RAVDESS", dir.path());
  const DataOptions o = LayoutOptions("ravdess", root);
  for (const auto& [name, why] : std::vector<std::pair<std::string, std::string>>{
           {"Actor_01/03-01-09-01-01-01-01.wav", "emotion 09"},
           {"Actor_01/03-01-01-02-01-01-01.wav", "neutral has no strong intensity"},
           {"Actor_01/03-01-03-01-01-01-02.wav", "actor 02 in folder Actor_01"},
           {"Actor_01/01-01-03-01-01-01-01.wav", "modality 01"},
           {"Actor_01/03-01-03-01.wav", "not a RAVDESS file name"}}) {
    const std::string path = root + "/" + name;
    std::ofstream(path) << "x";
    ExpectDataError([&] { ReadRavdess(root, o); }, {path, why});
    fs::remove(path);
  }
  // An unreadable container is found by the audit (merhan corpus), naming the file.
  const Corpus corpus = ReadRavdess(root, o);
  const std::string broken = corpus.utterances.front().wav_path;
  Rewrite(broken, "RIFF but not really");
  ExpectDataError([&] { AuditAudio(ReadRavdess(root, o)); }, {broken, "cannot read audio"});
}

}  // namespace
}  // namespace merhan
