// Cross-validation folds: every protocol is speaker-disjoint, covers what it should,
// and rejects what it cannot do.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "merhan/data/folds.h"
#include "merhan/data/iemocap_reader.h"
#include "merhan/util/error.h"
#include "tiny_corpus.h"

namespace merhan {
namespace {

// 5 sessions x {F, M} x 7 utterances, labels cycling over 4 classes.
std::vector<Utterance> IemocapLike() {
  std::vector<Utterance> v;
  for (int s = 1; s <= 5; ++s) {
    for (char g : {'F', 'M'}) {
      for (int i = 0; i < 7; ++i) {
        Utterance u;
        u.session = s;
        u.speaker = std::to_string(s) + g;
        u.id = u.speaker + "_" + std::to_string(i);
        u.label = i % 4;
        v.push_back(u);
      }
    }
  }
  return v;
}

std::set<std::string> SpeakersOf(const std::vector<int64_t>& idx, const std::vector<Utterance>& u) {
  std::set<std::string> s;
  for (int64_t i : idx) s.insert(u[static_cast<size_t>(i)].speaker);
  return s;
}

// Independent of AssertSpeakerDisjoint: recomputes the speaker sets.
void ExpectDisjoint(const Fold& f, const std::vector<Utterance>& u) {
  const auto tr = SpeakersOf(f.train, u), va = SpeakersOf(f.val, u), te = SpeakersOf(f.test, u);
  for (const auto& s : tr) EXPECT_FALSE(va.count(s) || te.count(s)) << f.name << " leaks " << s;
  for (const auto& s : va) EXPECT_FALSE(te.count(s)) << f.name << " leaks " << s;
  EXPECT_FALSE(f.val.empty()) << f.name;
}

DataOptions Protocol(const std::string& p) {
  DataOptions o;
  o.protocol = p;
  return o;
}

TEST(Folds, LosoLeavesOneSessionOutAndValidatesOnTheNext) {
  const auto u = IemocapLike();
  const auto folds = MakeFolds(u, Protocol("loso"));
  ASSERT_EQ(folds.size(), 5u);
  std::multiset<int64_t> tested;
  for (size_t k = 0; k < folds.size(); ++k) {
    const Fold& f = folds[k];
    ExpectDisjoint(f, u);
    const int test_session = static_cast<int>(k) + 1, val_session = static_cast<int>(k + 1) % 5 + 1;
    EXPECT_EQ(f.test_speakers,
              (std::vector<std::string>{std::to_string(test_session) + "F", std::to_string(test_session) + "M"}));
    EXPECT_EQ(f.val_speakers,
              (std::vector<std::string>{std::to_string(val_session) + "F", std::to_string(val_session) + "M"}));
    EXPECT_EQ(f.train.size() + f.val.size() + f.test.size(), u.size());
    EXPECT_EQ(f.train_speakers.size(), 6u);
    tested.insert(f.test.begin(), f.test.end());
  }
  // Every utterance is tested exactly once over the folds.
  EXPECT_EQ(tested.size(), u.size());
  EXPECT_EQ(std::set<int64_t>(tested.begin(), tested.end()).size(), u.size());
}

TEST(Folds, LosoWithOneValidationSpeaker) {
  const auto u = IemocapLike();
  DataOptions o = Protocol("loso");
  o.validation = "speaker";
  const auto folds = MakeFolds(u, o);
  ASSERT_EQ(folds.size(), 5u);
  std::set<std::string> val_speakers;
  for (const auto& f : folds) {
    ExpectDisjoint(f, u);
    ASSERT_EQ(f.val_speakers.size(), 1u);
    val_speakers.insert(f.val_speakers[0]);
    EXPECT_EQ(f.train_speakers.size(), 7u);
  }
  EXPECT_EQ(val_speakers.size(), 5u);
}

TEST(Folds, LosoSpeakerHasTenFolds) {
  const auto u = IemocapLike();
  const auto folds = MakeFolds(u, Protocol("loso-speaker"));
  ASSERT_EQ(folds.size(), 10u);
  std::set<std::string> tested;
  for (const auto& f : folds) {
    ExpectDisjoint(f, u);
    ASSERT_EQ(f.test_speakers.size(), 1u);
    ASSERT_EQ(f.val_speakers.size(), 1u);
    // The validation speaker is the test speaker's session partner.
    EXPECT_EQ(f.test_speakers[0][0], f.val_speakers[0][0]);
    EXPECT_NE(f.test_speakers[0], f.val_speakers[0]);
    EXPECT_EQ(f.train_speakers.size(), 8u);
    tested.insert(f.test_speakers[0]);
  }
  EXPECT_EQ(tested.size(), 10u);
}

TEST(Folds, Session5IsTheLosoFoldTestingSession5) {
  const auto u = IemocapLike();
  const auto folds = MakeFolds(u, Protocol("session5"));
  ASSERT_EQ(folds.size(), 1u);
  ExpectDisjoint(folds[0], u);
  EXPECT_EQ(folds[0].test_speakers, (std::vector<std::string>{"5F", "5M"}));
  EXPECT_EQ(folds[0].val_speakers, (std::vector<std::string>{"1F", "1M"}));
  const auto loso = MakeFolds(u, Protocol("loso"));
  EXPECT_EQ(folds[0].train, loso[4].train);
  EXPECT_EQ(folds[0].test, loso[4].test);
}

TEST(Folds, ExplicitLists) {
  const auto u = IemocapLike();
  DataOptions o = Protocol("explicit");
  o.explicit_folds = nlohmann::json::parse(
      R"([{"name": "a", "train": ["1F","1M","2F","2M"], "val": ["3F"], "test": ["4F","4M"]},
          {"train": ["5F"], "val": ["5M"], "test": ["1F"]}])");
  const auto folds = MakeFolds(u, o);
  ASSERT_EQ(folds.size(), 2u);
  EXPECT_EQ(folds[0].name, "a");
  EXPECT_EQ(folds[1].name, "fold2");
  for (const auto& f : folds) ExpectDisjoint(f, u);
  EXPECT_EQ(folds[0].train.size(), 28u);
  EXPECT_EQ(folds[0].test.size(), 14u);

  o.explicit_folds = nlohmann::json::parse(R"([{"train": ["1F","2F"], "val": ["3F"], "test": ["2F"]}])");
  EXPECT_THROW(MakeFolds(u, o), UsageError);  // 2F in train and test
  o.explicit_folds = nlohmann::json::parse(R"([{"train": ["1F"], "val": ["3F"], "test": ["9X"]}])");
  EXPECT_THROW(MakeFolds(u, o), UsageError);  // unknown speaker
  o.explicit_folds = nlohmann::json::parse(R"([{"train": ["1F"], "test": ["2F"]}])");
  EXPECT_THROW(MakeFolds(u, o), UsageError);  // no val list
}

TEST(Folds, AssertSpeakerDisjointCatchesLeaks) {
  const auto u = IemocapLike();
  Fold f = MakeFolds(u, Protocol("loso"))[0];
  EXPECT_NO_THROW(AssertSpeakerDisjoint(f, u));
  Fold leak = f;
  leak.train.push_back(leak.test[0]);  // one test utterance also in train
  EXPECT_THROW(AssertSpeakerDisjoint(leak, u), InternalError);
  Fold leak2 = f;
  leak2.val_speakers.push_back(leak2.test_speakers[0]);
  EXPECT_THROW(AssertSpeakerDisjoint(leak2, u), InternalError);
  // A speaker in two splits through different utterances.
  Fold leak3 = f;
  int64_t other = -1;
  for (size_t i = 0; i < u.size(); ++i) {
    if (u[i].speaker == u[static_cast<size_t>(f.test[0])].speaker && static_cast<int64_t>(i) != f.test[0])
      other = static_cast<int64_t>(i);
  }
  leak3.test.erase(std::find(leak3.test.begin(), leak3.test.end(), other));
  leak3.train.push_back(other);
  leak3.train_speakers.push_back(u[static_cast<size_t>(other)].speaker);
  EXPECT_THROW(AssertSpeakerDisjoint(leak3, u), InternalError);
}

TEST(Folds, SessionProtocolsNeedSessions) {
  auto u = IemocapLike();
  for (auto& x : u) x.session = 0;
  EXPECT_THROW(MakeFolds(u, Protocol("loso")), UsageError);
  auto v = IemocapLike();
  v[0].speaker = "2F";  // 2F now in sessions 1 and 2
  EXPECT_THROW(MakeFolds(v, Protocol("loso")), UsageError);
  auto w = IemocapLike();
  for (auto& x : w) {
    if (x.session == 5) x.session = 4;
  }
  EXPECT_THROW(MakeFolds(w, Protocol("session5")), UsageError);
}

TEST(Folds, EveryProtocolOnTheTinyCorpus) {
  DataOptions o;
  o.root = testing::TinyCorpusDir();
  const Corpus corpus = ReadIemocap(o.root, o);
  for (const char* protocol : {"loso", "loso-speaker", "session5"}) {
    for (const char* validation : {"session", "speaker"}) {
      o.protocol = protocol;
      o.validation = validation;
      const auto folds = MakeFolds(corpus.utterances, o);
      EXPECT_EQ(folds.size(), std::string(protocol) == "loso" ? 5u : std::string(protocol) == "session5" ? 1u : 10u);
      for (const auto& f : folds) ExpectDisjoint(f, corpus.utterances);
    }
  }
  o.protocol = "loso";
  o.validation = "session";
  const auto folds = MakeFolds(corpus.utterances, o);
  const std::string table = FoldTable(folds, corpus.utterances, corpus.counts.classes);
  EXPECT_NE(table.find("| loso-test1 | test | 1F 1M |"), std::string::npos) << table;
  const auto json = FoldTableJson(folds, corpus.utterances, corpus.counts.classes);
  ASSERT_EQ(json.size(), 5u);
  int total = 0;
  for (const auto& c : json[0]["test"]["counts"]) total += c.get<int>();
  EXPECT_EQ(total, static_cast<int>(folds[0].test.size()));
}

}  // namespace
}  // namespace merhan
