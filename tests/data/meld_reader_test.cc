// The MELD reader against the synthetic release layout's ground truth (scripts/make_corpus
// --layout meld): CRLF CSVs with curly quotes and quoted commas, mp4 media through FFmpeg,
// the test set's file prefix, the release's missing, corrupt and over-long media left out
// with one warning, speakers shared across splits (official refused, speaker-kfold
// disjoint), and errors naming file and line.
#include <gtest/gtest.h>

#include <filesystem>

#include "merhan/audio/audio_loader.h"
#include "merhan/data/corpus_audit.h"
#include "merhan/data/meld_reader.h"
#include "merhan/util/atomic_file.h"
#include "release_layout.h"

namespace merhan {
namespace {
namespace fs = std::filesystem;
using namespace testing;

const std::map<std::string, int> kFourClass = {{"neutral", 0}, {"joy", 1}, {"anger", 2}, {"sadness", 3}};

std::string Root() { return LayoutDir("meld") + "/MELD.Raw"; }

TEST(MeldReader, ReproducesGroundTruthWithTheFourClassMap) {
  const Corpus corpus = ReadCorpus(LayoutOptions("meld", LayoutDir("meld")));  // finds MELD.Raw/ inside
  ExpectMatchesTruth(corpus, LayoutTruth("meld"), kFourClass);
  // The fixture's quirks: train dia125_utt3 and dev dia110_utt7 missing, a corrupt mp4, a 61 s cut.
  EXPECT_EQ(corpus.left_out_counts,
            (std::map<std::string, int>{{"missing media", 2}, {"unreadable media", 1}, {"longer than 60 s", 1}}));
  std::string all;
  for (const auto& l : corpus.left_out) all += l + "\n";
  for (const char* id : {"train_dia125_utt3", "dev_dia110_utt7", "train_dia2_utt0", "test_dia3_utt1"}) {
    EXPECT_NE(all.find(id), std::string::npos) << all;
  }
  EXPECT_NE(all.find("train_sent_emo.csv:"), std::string::npos) << all;  // names the row
}

TEST(MeldReader, CsvQuirksAreRead) {
  const Corpus corpus = ReadMeld(Root(), LayoutOptions("meld", Root()));
  const auto by_id = ById(corpus);
  ASSERT_TRUE(by_id.count("train_dia0_utt0"));
  const Utterance& u = *by_id.at("train_dia0_utt0");
  EXPECT_NE(u.text.find("\u2019"), std::string::npos) << u.text;       // curly quote kept, UTF-8
  EXPECT_NE(u.text.find(", you know?"), std::string::npos) << u.text;  // comma inside quotes
  EXPECT_EQ(u.text.find('\r'), std::string::npos);
  EXPECT_DOUBLE_EQ(u.start_s, 16 * 60 + 16.059);
  EXPECT_DOUBLE_EQ(u.end_s, 16 * 60 + 18.310);
  EXPECT_EQ(u.origin, Root() + "/train_sent_emo.csv:2");
  EXPECT_EQ(u.columns.at("Sentiment"), "neutral");
  // Test media with and without the final_videos_test prefix.
  ASSERT_TRUE(by_id.count("test_dia0_utt0") && by_id.count("test_dia1_utt0"));
  EXPECT_TRUE(EndsWith(by_id.at("test_dia0_utt0")->wav_path, "/final_videos_testdia0_utt0.mp4"));
  EXPECT_TRUE(EndsWith(by_id.at("test_dia1_utt0")->wav_path, "/dia1_utt0.mp4"));
}

TEST(MeldReader, Mp4AudioDecodesThroughFfmpeg) {
  const Corpus corpus = ReadMeld(Root(), LayoutOptions("meld", Root()));
  const AudioSignal s = LoadAudio(corpus.utterances.front().wav_path, AudioOptions{});  // has a video stream too
  EXPECT_EQ(s.sample_rate, 16000);
  EXPECT_GT(s.samples.size(), 8000u);
  EXPECT_NE(s.format.find("MOV"), std::string::npos) << s.format;
  const CorpusAudit audit = AuditAudio(corpus);
  EXPECT_GT(audit.seconds, 1.0);
  EXPECT_LT(audit.seconds, 60.0 * static_cast<double>(corpus.utterances.size()));
}

TEST(MeldReader, OfficialSplitSharesSpeakersSoOnlySpeakerKFoldApplies) {
  const Corpus corpus = ReadMeld(Root(), LayoutOptions("meld", Root()));
  DataOptions o = LayoutOptions("meld", Root());
  o.protocol = "official";
  o.Validate();
  try {
    MakeFolds(corpus.utterances, o);
    ADD_FAILURE() << "MELD's official split shares speakers; the protocol must be refused";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("meld:Chandler (test, train)"), std::string::npos) << e.what();
  }
  o.protocol = "speaker-kfold";
  o.folds = 3;
  ExpectSpeakerDisjoint(MakeFolds(corpus.utterances, o), corpus.utterances);
}

TEST(MeldReader, ErrorsNameTheFileAndLine) {
  TempDir dir;
  const std::string root = CopyLayout("meld", "MELD.Raw", dir.path());
  const std::string csv = root + "/dev_sent_emo.csv";
  const std::string text = ReadFileToString(csv);
  const DataOptions o = LayoutOptions("meld", root);
  Rewrite(csv, ReplaceOnce(text, ",Monica,anger,", ",Monica,rage,"));
  ExpectDataError([&] { ReadMeld(root, o); }, {csv + ":3", "unknown Emotion 'rage'"});
  Rewrite(csv, ReplaceOnce(text, ",Monica,anger,neutral,0,1,", ",Monica,anger,neutral,zero,1,"));
  ExpectDataError([&] { ReadMeld(root, o); }, {csv + ":3", "Dialogue_ID 'zero'"});
  Rewrite(csv, ReplaceOnce(text, "\"00:16:19,059\"", "\"16h19\""));
  ExpectDataError([&] { ReadMeld(root, o); }, {csv + ":3", "StartTime '16h19'"});
  Rewrite(csv, text.substr(0, text.size() - 30));  // the last row cut inside a quoted field
  ExpectDataError([&] { ReadMeld(root, o); }, {csv + ":5"});
  fs::remove(csv);
  ExpectDataError([&] { ReadMeld(root, o); }, {"dev_sent_emo.csv"});
}

}  // namespace
}  // namespace merhan
