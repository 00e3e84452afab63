// The MSP-Podcast reader against the synthetic release layout's ground truth
// (scripts/make_corpus --layout msp-podcast): 4-class and native classes, the .json
// labels and the older release's spelling, Unknown speakers, the stereo 44.1 kHz file,
// the official protocol with its test-set key, and errors naming file and line.
#include <gtest/gtest.h>

#include <filesystem>

#include "merhan/audio/audio_loader.h"
#include "merhan/data/corpus_audit.h"
#include "merhan/data/msp_podcast_reader.h"
#include "merhan/util/atomic_file.h"
#include "release_layout.h"

namespace merhan {
namespace {
namespace fs = std::filesystem;
using namespace testing;

const std::map<std::string, int> kFourClass = {{"N", 0}, {"H", 1}, {"A", 2}, {"S", 3}};

std::string Root() { return LayoutDir("msp-podcast") + "/MSP-Podcast"; }

TEST(MspPodcastReader, ReproducesGroundTruthWithTheFourClassMap) {
  const Corpus corpus = ReadCorpus(LayoutOptions("msp-podcast", Root()));
  ExpectMatchesTruth(corpus, LayoutTruth("msp-podcast"), kFourClass);
  // The fixture's quirks are all there: X and O dropped and counted, one transcript missing.
  const std::map<std::string, int> dropped(corpus.counts.dropped.begin(), corpus.counts.dropped.end());
  EXPECT_EQ(dropped.count("X"), 1u);
  EXPECT_EQ(dropped.count("O"), 1u);
  EXPECT_EQ(corpus.left_out_counts.at("no transcript"), 1);
  const nlohmann::json j = CountJson(corpus);
  EXPECT_EQ(j["left_out"]["no transcript"], 1);
  EXPECT_EQ(j["dropped"]["X"], 1);
}

TEST(MspPodcastReader, NativeClasses) {
  DataOptions o = LayoutOptions("msp-podcast", Root());
  o.classes = {"A", "S", "H", "U", "F", "D", "C", "N", "O", "X"};
  o.merge = nlohmann::json::object();
  const Corpus corpus = ReadMspPodcast(Root(), o);
  std::map<std::string, int> index;
  for (size_t i = 0; i < o.classes.size(); ++i) index[o.classes[i]] = static_cast<int>(i);
  ExpectMatchesTruth(corpus, LayoutTruth("msp-podcast"), index);
  EXPECT_TRUE(corpus.counts.dropped.empty());
}

TEST(MspPodcastReader, UnknownSpeakersAreOnePerSplit) {
  const Corpus corpus = ReadMspPodcast(Root(), LayoutOptions("msp-podcast", Root()));
  std::set<std::string> unknown;
  for (const auto& u : corpus.utterances) {
    if (u.speaker.find("Unknown") != std::string::npos) unknown.insert(u.speaker);
  }
  EXPECT_EQ(unknown, (std::set<std::string>{"msp:Unknown@test1", "msp:Unknown@train"}));
}

TEST(MspPodcastReader, JsonLabelsAndTheOlderReleaseReadTheSame) {
  const Corpus csv = ReadMspPodcast(Root(), LayoutOptions("msp-podcast", Root()));
  TempDir dir;
  const std::string json_root = CopyLayout("msp-podcast", "MSP-Podcast", dir.path() + "/a");
  fs::remove(json_root + "/Labels/labels_consensus.csv");
  const std::string old_root = CopyLayout("msp-podcast", "MSP-Podcast", dir.path() + "/b");
  const std::string text = ReadFileToString(old_root + "/Labels/labels_consensus.csv");
  fs::remove(old_root + "/Labels/labels_consensus.csv");
  fs::remove(old_root + "/Labels/labels_consensus.json");
  std::string renamed = text;
  for (size_t at; (at = renamed.find(",Development")) != std::string::npos;) renamed.replace(at, 12, ",Validation");
  Rewrite(old_root + "/Labels/labels_concensus.csv", renamed);
  for (const std::string& root : {json_root, old_root}) {
    SCOPED_TRACE(root);
    const Corpus other = ReadMspPodcast(root, LayoutOptions("msp-podcast", root));
    ASSERT_EQ(other.utterances.size(), csv.utterances.size());
    for (size_t i = 0; i < csv.utterances.size(); ++i) {
      const Utterance &a = csv.utterances[i], &b = other.utterances[i];
      EXPECT_EQ(std::tie(a.id, a.label, a.speaker, a.split, a.text),
                std::tie(b.id, b.label, b.speaker, b.split, b.text));
    }
    EXPECT_EQ(other.counts.dropped, csv.counts.dropped);
  }
}

TEST(MspPodcastReader, StereoFileIsDownmixedAndResampled) {
  const auto truth = LayoutTruth("msp-podcast");
  int stereo = 0;
  for (const auto& t : truth) {
    if (t["channels"] != 2) continue;
    ++stereo;
    const AudioSignal s = LoadAudio(LayoutDir("msp-podcast") + "/" + t["wav"].get<std::string>(), AudioOptions{});
    EXPECT_EQ(s.original_channels, 2);
    EXPECT_EQ(s.original_sample_rate, 44100);
    EXPECT_EQ(s.sample_rate, 16000);
  }
  EXPECT_EQ(stereo, 1);
  const CorpusAudit audit = AuditAudio(ReadMspPodcast(Root(), LayoutOptions("msp-podcast", Root())));
  EXPECT_EQ(audit.files_per_channels.count(2), 1u);
  EXPECT_EQ(audit.files_per_rate.count(44100), 1u);
  EXPECT_GT(audit.seconds, 1.0);
}

TEST(MspPodcastReader, OfficialProtocolIsTheReleaseSplitAndSpeakerDisjoint) {
  const Corpus corpus = ReadMspPodcast(Root(), LayoutOptions("msp-podcast", Root()));
  DataOptions o = LayoutOptions("msp-podcast", Root());
  o.protocol = "official";
  o.Validate();
  std::map<std::string, size_t> per_split;
  for (const auto& u : corpus.utterances) ++per_split[u.split];
  for (const std::string test : {"", "test2"}) {
    o.official_test = test;
    const auto folds = MakeFolds(corpus.utterances, o);
    ASSERT_EQ(folds.size(), 1u);
    ExpectSpeakerDisjoint(folds, corpus.utterances);
    EXPECT_EQ(folds[0].train.size(), per_split["train"]);
    EXPECT_EQ(folds[0].val.size(), per_split["validation"]);
    EXPECT_EQ(folds[0].test.size(), per_split[test.empty() ? "test1" : test]);
    for (int64_t i : folds[0].test)
      EXPECT_EQ(corpus.utterances[static_cast<size_t>(i)].split, test.empty() ? "test1" : test);
  }
  o.official_test = "test3";  // not in the fixture
  EXPECT_THROW(MakeFolds(corpus.utterances, o), UsageError);
  // speaker-kfold applies too, also disjoint.
  o.protocol = "speaker-kfold";
  o.official_test.clear();
  o.folds = 3;
  ExpectSpeakerDisjoint(MakeFolds(corpus.utterances, o), corpus.utterances);
}

TEST(MspPodcastReader, ErrorsNameTheFileAndLine) {
  TempDir dir;
  const std::string root = CopyLayout("msp-podcast", "MSP-Podcast", dir.path());
  const std::string labels = root + "/Labels/labels_consensus.csv";
  const std::string text = ReadFileToString(labels);
  const DataOptions o = LayoutOptions("msp-podcast", root);
  // An unknown class code on line 3.
  const size_t line3 = text.find('\n', text.find('\n') + 1) + 1;
  const size_t code = text.find(',', line3) + 1;
  Rewrite(labels, text.substr(0, code) + "Z" + text.substr(code + 1));
  ExpectDataError([&] { ReadMspPodcast(root, o); }, {labels + ":3", "unknown EmoClass 'Z'"});
  // A missing audio file (line 2's).
  Rewrite(labels, text);
  const std::string first = text.substr(text.find('\n') + 1, text.find(',', text.find('\n')) - text.find('\n') - 1);
  fs::remove(root + "/Audios/" + first);
  ExpectDataError([&] { ReadMspPodcast(root, o); }, {labels + ":2", "audio file not found", first});
  // An unreadable container is found by the audit, naming the label line and the file.
  std::ofstream(root + "/Audios/" + first, std::ios::binary) << std::string(3000, 'x');
  const Corpus corpus = ReadMspPodcast(root, o);
  ExpectDataError([&] { AuditAudio(corpus); }, {labels + ":2", first, "cannot read audio"});
  // An unknown split name.
  Rewrite(labels, ReplaceOnce(text, ",Train", ",Training"));
  ExpectDataError([&] { ReadMspPodcast(root, o); }, {labels + ":2", "Split_Set 'Training'"});
  // Classes that are no MSP-Podcast code are a usage error naming the key.
  DataOptions bad = o;
  bad.classes = {"neu", "joy"};
  EXPECT_THROW(bad.Validate(), UsageError);
}

}  // namespace
}  // namespace merhan
