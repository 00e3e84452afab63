// Per-speaker/per-gender results and the transcript-overlap count
// (results/corpus_analysis.h), on hand-made utterances whose answers are known.
#include "merhan/results/corpus_analysis.h"

#include <gtest/gtest.h>

#include "merhan/util/error.h"

namespace merhan {
namespace {

Utterance Utt(const std::string& id, const std::string& speaker, const std::string& text, int label) {
  Utterance u;
  u.id = id;
  u.speaker = speaker;
  u.text = text;
  u.label = label;
  return u;
}

FoldSeedPredictions Predictions(int fold, int seed, const std::vector<std::string>& ids,
                                const std::vector<int64_t>& truth, const std::vector<int64_t>& predicted) {
  FoldSeedPredictions p;
  p.fold = fold;
  p.seed = seed;
  p.ids = ids;
  p.truth = truth;
  p.predicted = predicted;
  p.num_classes = 3;
  p.probabilities.assign(ids.size() * 3, 1.0 / 3);
  return p;
}

TEST(CorpusAnalysis, PerSpeakerAndGenderPooledOverSeeds) {
  const std::vector<Utterance> utts = {Utt("a1", "1F", "", 0), Utt("a2", "1F", "", 1), Utt("a3", "1F", "", 1),
                                       Utt("b1", "1M", "", 0), Utt("b2", "1M", "", 2), Utt("c1", "2F", "", 2)};
  // Fold 0 tests session 1 with two seeds, fold 1 tests session 2.
  const std::vector<FoldSeedPredictions> preds = {
      Predictions(0, 1, {"a1", "a2", "a3", "b1", "b2"}, {0, 1, 1, 0, 2}, {0, 1, 0, 0, 0}),
      Predictions(0, 2, {"a1", "a2", "a3", "b1", "b2"}, {0, 1, 1, 0, 2}, {0, 1, 1, 0, 2}),
      Predictions(1, 1, {"c1"}, {2}, {1})};
  CorpusAnalysis a;
  AnalyseSpeakers(preds, utts, {"loso-test1", "loso-test2"}, &a);
  ASSERT_EQ(a.speakers.size(), 3u);
  // 1F: 6 predictions, 5 right; recall class 0 = 2/2, class 1 = 3/4 -> UAR over its 2 classes 0.875.
  EXPECT_EQ(a.speakers[0].group, "1F");
  EXPECT_EQ(a.speakers[0].utterances, 3);
  EXPECT_EQ(a.speakers[0].predictions, 6);
  EXPECT_DOUBLE_EQ(a.speakers[0].war, 5.0 / 6);
  EXPECT_DOUBLE_EQ(a.speakers[0].uar, 0.875);
  EXPECT_EQ(a.speakers[0].fold_names, "loso-test1");
  // 1M: 4 predictions, 3 right; class 0: 2/2, class 2: 1/2 -> 0.75.
  EXPECT_DOUBLE_EQ(a.speakers[1].uar, 0.75);
  // 2F: wrong once -> UAR 0, the worst.
  EXPECT_DOUBLE_EQ(a.speakers[2].uar, 0.0);
  EXPECT_EQ(a.worst_speaker, "2F");
  ASSERT_EQ(a.genders.size(), 2u);
  EXPECT_EQ(a.genders[0].group, "F");
  EXPECT_EQ(a.genders[0].predictions, 7);
  EXPECT_DOUBLE_EQ(a.genders[0].war, 5.0 / 7);
  EXPECT_EQ(a.genders[1].group, "M");
  // Round trip through summary.json.
  const CorpusAnalysis back = CorpusAnalysis::FromJson(a.ToJson());
  EXPECT_EQ(back.worst_speaker, "2F");
  EXPECT_DOUBLE_EQ(back.speakers[0].uar, 0.875);
  EXPECT_NE(a.ToMarkdown().find("| 2F (worst) |"), std::string::npos) << a.ToMarkdown();
  // An id the corpus does not have.
  auto bad = preds;
  bad[2].ids[0] = "zz";
  EXPECT_THROW(AnalyseSpeakers(bad, utts, {}, &a), DataError);
}

TEST(CorpusAnalysis, ManifestSpeakersHaveNoGender) {
  const std::vector<Utterance> utts = {Utt("x", "alice", "", 0), Utt("y", "bob", "", 1)};
  CorpusAnalysis a;
  AnalyseSpeakers({Predictions(0, 1, {"x", "y"}, {0, 1}, {0, 0})}, utts, {}, &a);
  EXPECT_EQ(a.speakers.size(), 2u);
  EXPECT_TRUE(a.genders.empty());
  EXPECT_EQ(a.worst_speaker, "bob");
}

TEST(CorpusAnalysis, CountsTestTranscriptsSeenVerbatimInTraining) {
  EXPECT_EQ(NormaliseTranscript("  Where did you put the LETTER?! "), "where did you put the letter");
  EXPECT_EQ(NormaliseTranscript("It's... fine"), "it s fine");
  const std::vector<Utterance> utts = {Utt("t0", "1F", "Where did you put the letter?", 0),  // train
                                       Utt("t1", "1F", "Yeah.", 0),                          // train
                                       Utt("t2", "1M", "The car is outside.", 0),            // train
                                       Utt("s0", "2F", "where did you put the letter", 1),   // test: 6 words, seen
                                       Utt("s1", "2F", "Yeah!", 1),                          // test: 1 word, seen
                                       Utt("s2", "2M", "The car is outside, I think.", 2),   // test: not verbatim
                                       Utt("s3", "2M", "", 2)};  // test: empty never matches
  const TranscriptOverlap o = CountTranscriptOverlap(utts, {0, 1, 2}, {3, 4, 5, 6});
  EXPECT_EQ(o.test, 4);
  EXPECT_EQ(o.matches, 2);
  EXPECT_EQ(o.long_matches, 1);
}

}  // namespace
}  // namespace merhan
