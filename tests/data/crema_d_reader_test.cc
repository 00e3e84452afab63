// The CREMA-D reader against the synthetic release layout's ground truth
// (scripts/make_corpus --layout crema-d): file-name fields, sentence texts, levels with
// XX, VideoDemographics.csv, speaker-kfold folds (disjoint, every actor tested once),
// no official split, and errors naming the file.
#include <gtest/gtest.h>

#include <filesystem>

#include "merhan/data/corpus_audit.h"
#include "merhan/data/crema_d_reader.h"
#include "merhan/util/atomic_file.h"
#include "release_layout.h"

namespace merhan {
namespace {
namespace fs = std::filesystem;
using namespace testing;

const std::map<std::string, int> kFourClass = {{"NEU", 0}, {"HAP", 1}, {"ANG", 2}, {"SAD", 3}};

std::string Root() { return LayoutDir("crema-d") + "/CREMA-D"; }

// A real wav of the shared copy (CopyLayout's files are links to it).
std::string SomeWav(const std::string& dir) {
  for (const auto& e : fs::directory_iterator(dir)) return fs::canonical(e.path()).string();
  return "";
}

TEST(CremaDReader, ReproducesGroundTruthWithTheFourClassMap) {
  const auto truth = LayoutTruth("crema-d");
  const Corpus corpus = ReadCorpus(LayoutOptions("crema-d", Root()));
  ExpectMatchesTruth(corpus, truth, kFourClass);
  const auto by_id = ById(corpus);
  int xx = 0;
  for (const auto& t : truth) {
    if (!by_id.count(t["id"])) continue;
    const Utterance& u = *by_id.at(t["id"]);
    EXPECT_EQ(u.columns.at("gender"), t["gender"].get<std::string>());
    EXPECT_EQ(u.columns.at("level"), t["level"].get<std::string>());
    xx += t["level"] == "XX";
  }
  EXPECT_GT(xx, 0);
  EXPECT_EQ(CremaDSentences().size(), 12u);
  EXPECT_EQ(CremaDSentences().at("DFA"), "Don't forget a jacket.");
}

TEST(CremaDReader, NativeClassesKeepEverything) {
  DataOptions o = LayoutOptions("crema-d", Root());
  o.classes = {"ANG", "DIS", "FEA", "HAP", "NEU", "SAD"};
  o.merge = nlohmann::json::object();
  const Corpus corpus = ReadCremaD(Root(), o);
  EXPECT_EQ(corpus.utterances.size(), LayoutTruth("crema-d").size());
  EXPECT_TRUE(corpus.counts.dropped.empty());
}

TEST(CremaDReader, SpeakerKFoldIsSpeakerDisjointAndOfficialIsRefused) {
  const Corpus corpus = ReadCremaD(Root(), LayoutOptions("crema-d", Root()));
  DataOptions o = LayoutOptions("crema-d", Root());
  o.protocol = "speaker-kfold";
  o.folds = 5;
  const auto folds = MakeFolds(corpus.utterances, o);
  ASSERT_EQ(folds.size(), 5u);
  ExpectSpeakerDisjoint(folds, corpus.utterances);
  std::set<std::string> tested;
  for (const auto& f : folds) tested.insert(f.test_speakers.begin(), f.test_speakers.end());
  EXPECT_EQ(tested.size(), 5u);
  o.protocol = "official";
  EXPECT_THROW(o.Validate(), UsageError);
}

TEST(CremaDReader, ErrorsNameTheFile) {
  TempDir dir;
  const std::string root = CopyLayout("crema-d", "CREMA-D", dir.path());
  const DataOptions o = LayoutOptions("crema-d", root);
  const std::string bad = root + "/AudioWAV/1001_DFA_XYZ_XX.wav";
  fs::copy_file(SomeWav(root + "/AudioWAV"), bad);
  ExpectDataError([&] { ReadCremaD(root, o); }, {bad, "unknown emotion code XYZ"});
  fs::remove(bad);
  const std::string level = root + "/AudioWAV/1001_DFA_ANG_ZZ.wav";
  fs::copy_file(SomeWav(root + "/AudioWAV"), level);
  ExpectDataError([&] { ReadCremaD(root, o); }, {level, "unknown level ZZ"});
  fs::remove(level);
  const std::string actor = root + "/AudioWAV/1099_DFA_ANG_HI.wav";
  fs::copy_file(SomeWav(root + "/AudioWAV"), actor);
  ExpectDataError([&] { ReadCremaD(root, o); }, {actor, "actor 1099 is not in VideoDemographics.csv"});
  // An unreadable container is found by the audit, naming the file.
  Rewrite(root + "/AudioWAV/1001_DFA_ANG_HI.wav", "not audio at all");
  fs::remove(actor);
  ExpectDataError([&] { AuditAudio(ReadCremaD(root, o)); }, {"1001_DFA_ANG_HI.wav", "cannot read audio"});
}

}  // namespace
}  // namespace merhan
