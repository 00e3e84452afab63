// data.protocol speaker-kfold: K seeded disjoint speaker groups for corpora without
// sessions (the 48-utterance, 6-speaker manifest a new user brings) and seed 004's
// 5-fold subject-independent CV.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "merhan/data/folds.h"
#include "merhan/util/error.h"

namespace merhan {
namespace {

std::vector<Utterance> NoSessions(int speakers, int per_speaker) {
  std::vector<Utterance> u;
  for (int s = 0; s < speakers; ++s) {
    for (int i = 0; i < per_speaker; ++i) {
      Utterance x;
      x.id = "s" + std::to_string(s) + "_" + std::to_string(i);
      x.speaker = "spk" + std::to_string(s);
      x.label = i % 4;
      u.push_back(x);
    }
  }
  return u;
}

DataOptions KFold(int k, int seed = 1) {
  DataOptions o;
  o.format = "manifest";
  o.manifest = "m.csv";
  o.protocol = "speaker-kfold";
  o.folds = k;
  o.fold_seed = seed;
  return o;
}

TEST(SpeakerKFold, EverySpeakerTestedOnceValidationFromTrainingGroups) {
  const auto u = NoSessions(6, 8);  // 48 utterances, no session column
  for (const std::string other : {"loso", "loso-speaker", "session5"}) {
    DataOptions o = KFold(3);
    o.protocol = other;
    EXPECT_THROW(MakeFolds(u, o), UsageError) << other;
  }
  const auto folds = MakeFolds(u, KFold(3));
  ASSERT_EQ(folds.size(), 3u);
  std::map<std::string, int> tested;
  for (size_t k = 0; k < folds.size(); ++k) {
    const Fold& f = folds[k];
    EXPECT_NO_THROW(AssertSpeakerDisjoint(f, u));
    EXPECT_EQ(f.test_speakers.size(), 2u);
    EXPECT_EQ(f.val_speakers.size(), 2u);
    EXPECT_EQ(f.train_speakers.size(), 2u);
    EXPECT_EQ(f.train.size() + f.val.size() + f.test.size(), u.size());
    // Validation is the next fold's test group: taken out of the training groups.
    EXPECT_EQ(f.val_speakers, folds[(k + 1) % folds.size()].test_speakers);
    for (const auto& s : f.test_speakers) ++tested[s];
  }
  EXPECT_EQ(tested.size(), 6u);
  for (const auto& [s, n] : tested) EXPECT_EQ(n, 1) << s;
}

TEST(SpeakerKFold, GroupSizesWithinOneSeededAndChecked) {
  const auto u = NoSessions(10, 3);
  const auto a = MakeFolds(u, KFold(4, 7)), b = MakeFolds(u, KFold(4, 7)), c = MakeFolds(u, KFold(4, 8));
  ASSERT_EQ(a.size(), 4u);
  std::multiset<size_t> sizes;
  bool differs = false;
  for (size_t k = 0; k < a.size(); ++k) {
    sizes.insert(a[k].test_speakers.size());
    EXPECT_EQ(a[k].test_speakers, b[k].test_speakers);  // same seed, same groups
    differs = differs || a[k].test_speakers != c[k].test_speakers;
  }
  EXPECT_EQ(sizes, (std::multiset<size_t>{2, 2, 3, 3}));  // numpy array_split of 10 into 4
  EXPECT_TRUE(differs);
  EXPECT_THROW(MakeFolds(NoSessions(4, 3), KFold(5)), UsageError);  // fewer speakers than groups
  DataOptions two = KFold(2);
  EXPECT_THROW(two.Validate(), UsageError);  // no room for test, validation and training
}

}  // namespace
}  // namespace merhan
