// data.corpora: entries parsed with errors naming data.corpora[i].<key>; several release
// layouts read as one corpus (counts equal to each reader's own, ids and speakers
// namespaced, roles from the entries); the one fold its roles define, speaker-disjoint,
// with a held-out validation group when no entry validates; MELD's shared speakers
// refused across roles.
#include <gtest/gtest.h>

#include <set>

#include "merhan/data/corpora_reader.h"
#include "merhan/data/corpus_entry.h"
#include "release_layout.h"

namespace merhan {
namespace {
using namespace testing;
using nlohmann::json;

std::string IemocapRoot() { return SharedTestCorpus("tiny", 1) + "/IEMOCAP_full_release"; }

DataOptions WithCorpora(const json& corpora) {
  DataOptions o;
  o.corpora = corpora;
  return o;
}

std::string UsageMessage(const DataOptions& o) {
  try {
    o.Validate();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(CorpusEntries, ErrorsNameTheEntryAndKey) {
  const json iemocap = {{"name", "iemocap"}, {"format", "iemocap"}, {"root", "/x"}, {"role", "train"}};
  const json test = {{"name", "crema"}, {"format", "crema-d"}, {"root", "/y"}, {"role", "test"}};
  EXPECT_EQ(UsageMessage(WithCorpora({iemocap, test})), "(no error)");
  json bad = test;
  bad["colour"] = "red";
  EXPECT_NE(UsageMessage(WithCorpora({iemocap, bad})).find("data.corpora[1].colour: unknown key"), std::string::npos);
  bad = test;
  bad["role"] = "tune";
  EXPECT_NE(UsageMessage(WithCorpora({iemocap, bad})).find("data.corpora[1].role: 'tune'"), std::string::npos);
  bad = test;
  bad.erase("root");
  EXPECT_NE(UsageMessage(WithCorpora({iemocap, bad})).find("data.corpora[1].root: required"), std::string::npos);
  bad = test;
  bad["name"] = "a/b";
  EXPECT_NE(UsageMessage(WithCorpora({iemocap, bad})).find("data.corpora[1].name"), std::string::npos);
  bad = test;
  bad["format"] = "timit";
  EXPECT_NE(UsageMessage(WithCorpora({iemocap, bad})).find("data.corpora[1].format: unknown format"),
            std::string::npos);
  // No test entry; two entries giving the same utterances; one name with two roots.
  EXPECT_NE(UsageMessage(WithCorpora(json::array({iemocap}))).find("no entry has role test"), std::string::npos);
  json again = {{"name", "iemocap"}, {"role", "test"}};
  EXPECT_NE(UsageMessage(WithCorpora({iemocap, again})).find("data.corpora[1].split: 'all' overlaps data.corpora[0]"),
            std::string::npos);
  again["root"] = "/elsewhere";
  again["split"] = "test";
  EXPECT_NE(UsageMessage(WithCorpora({iemocap, again})).find("data.corpora[1].root: '/elsewhere' differs"),
            std::string::npos);
  // A config extending base.json inherits data.root: unused with data.corpora.
  DataOptions both = WithCorpora({iemocap, test});
  both.root = "/z";
  EXPECT_EQ(UsageMessage(both), "(no error)");
  both.protocol = "official";
  EXPECT_NE(UsageMessage(both).find("data.protocol: official does not apply"), std::string::npos);
  // An entry's label map is checked as its reader's: a code CREMA-D does not have.
  bad = test;
  bad["merge"] = {{"hap", {"JOY"}}};
  EXPECT_NE(UsageMessage(WithCorpora({iemocap, bad})).find("data.corpora[1] (crema): data.merge.hap"),
            std::string::npos);
}

// Each corpus's utterances as its own reader keeps them, with the split kept.
std::vector<Utterance> ReadAlone(const std::string& format, const std::string& root, const std::string& split) {
  DataOptions o;
  o.format = format;
  o.root = root;
  std::vector<Utterance> kept;
  for (Utterance& u : ReadCorpus(o).utterances) {
    if (split == "all" || u.split == split) kept.push_back(std::move(u));
  }
  return kept;
}

TEST(CorporaReader, ReadsEachCorpusAsItsReaderDoesNamespacedWithRoles) {
  const std::string msp = LayoutDir("msp-podcast") + "/MSP-Podcast", crema = LayoutDir("crema-d") + "/CREMA-D";
  const DataOptions o = WithCorpora(json::array({
      {{"name", "iemocap"}, {"format", "iemocap"}, {"root", IemocapRoot()}, {"role", "train"}},
      {{"name", "msp"}, {"format", "msp-podcast"}, {"root", msp}, {"split", "validation"}, {"role", "validation"}},
      {{"name", "msp"}, {"split", "test1"}, {"role", "test"}},
      {{"name", "crema"}, {"format", "crema-d"}, {"root", crema}, {"role", "test"}},
  }));
  const Corpus corpus = ReadCorpus(o);
  struct Part {
    std::string name;
    std::vector<Utterance> alone;
    CorpusRole role;
  };
  const std::vector<Part> parts = {{"iemocap", ReadAlone("iemocap", IemocapRoot(), "all"), CorpusRole::kTrain},
                                   {"msp", ReadAlone("msp-podcast", msp, "validation"), CorpusRole::kValidation},
                                   {"msp", ReadAlone("msp-podcast", msp, "test1"), CorpusRole::kTest},
                                   {"crema", ReadAlone("crema-d", crema, "all"), CorpusRole::kTest}};
  const auto by_id = ById(corpus);
  size_t expected = 0;
  std::vector<int> per_class(4, 0);
  for (const Part& part : parts) {
    ASSERT_FALSE(part.alone.empty()) << part.name;
    expected += part.alone.size();
    for (const Utterance& u : part.alone) {
      const std::string id = part.name + "/" + u.id;
      ASSERT_TRUE(by_id.count(id)) << id;
      const Utterance& got = *by_id.at(id);
      EXPECT_EQ(got.speaker, part.name + "/" + u.speaker);
      EXPECT_EQ(got.label, u.label);
      EXPECT_EQ(got.wav_path, u.wav_path);
      EXPECT_EQ(got.corpus, part.name);
      EXPECT_EQ(got.role, part.role) << id;
      ++per_class[static_cast<size_t>(u.label)];
    }
  }
  EXPECT_EQ(corpus.utterances.size(), expected);  // nothing else: msp's train and test2/3 have no role
  EXPECT_EQ(corpus.counts.per_class, per_class);
  EXPECT_GT(corpus.left_out_counts.at("msp: split given no role in data.corpora"), 0);
  bool named_drop = false;
  for (const auto& [code, n] : corpus.counts.dropped) named_drop = named_drop || code.rfind("msp:", 0) == 0;
  EXPECT_TRUE(named_drop) << "msp's X and O codes are counted under its name";

  const std::vector<Fold> folds = MakeFolds(corpus.utterances, o);
  ASSERT_EQ(folds.size(), 1u);
  const Fold& fold = folds[0];
  EXPECT_EQ(fold.name, "corpora");
  for (int64_t i : fold.train) EXPECT_EQ(corpus.utterances[i].role, CorpusRole::kTrain);
  for (int64_t i : fold.val) EXPECT_EQ(corpus.utterances[i].role, CorpusRole::kValidation);
  for (int64_t i : fold.test) EXPECT_EQ(corpus.utterances[i].role, CorpusRole::kTest);
  EXPECT_EQ(fold.train.size() + fold.val.size() + fold.test.size(), corpus.utterances.size());
  EXPECT_EQ(TestCorpusNames(ParseCorpusEntries(o.corpora)), (std::vector<std::string>{"msp", "crema"}));
  EXPECT_EQ(CorpusOfId(corpus.utterances[static_cast<size_t>(fold.test.back())].id), "crema");
}

TEST(CorporaReader, WithoutAValidationEntryASpeakerGroupOfTheTrainingCorporaValidates) {
  const DataOptions o = WithCorpora(json::array({
      {{"name", "iemocap"}, {"format", "iemocap"}, {"root", IemocapRoot()}, {"role", "train"}},
      {{"name", "ravdess"}, {"format", "ravdess"}, {"root", LayoutDir("ravdess") + "/RAVDESS"}, {"role", "test"}},
  }));
  const Corpus corpus = ReadCorpus(o);
  const Fold fold = MakeFolds(corpus.utterances, o).at(0);
  std::set<std::string> train_speakers;
  for (const Utterance& u : corpus.utterances) {
    if (u.role == CorpusRole::kTrain) train_speakers.insert(u.speaker);
  }
  // One of data.folds (5) groups of IEMOCAP's 10 speakers; never a test corpus's speaker.
  EXPECT_EQ(fold.val_speakers.size(), train_speakers.size() / 5);
  for (const auto& s : fold.val_speakers) EXPECT_EQ(s.rfind("iemocap/", 0), 0u) << s;
  EXPECT_EQ(fold.train_speakers.size() + fold.val_speakers.size(), train_speakers.size());
  AssertSpeakerDisjoint(fold, corpus.utterances);
  // Seeded: another data.fold_seed picks another group, the same seed the same one.
  DataOptions other = o;
  other.fold_seed = 2;
  EXPECT_EQ(MakeFolds(corpus.utterances, o).at(0).val_speakers, fold.val_speakers);
  EXPECT_NE(MakeFolds(corpus.utterances, other).at(0).val_speakers, fold.val_speakers);
}

TEST(CorporaReader, SharedSpeakersAcrossRolesAndMissingSplitsAreUsageErrors) {
  const std::string meld = LayoutDir("meld") + "/MELD.Raw";
  const DataOptions o = WithCorpora(json::array({
      {{"name", "meld"}, {"format", "meld"}, {"root", meld}, {"split", "train"}, {"role", "train"}},
      {{"name", "meld"}, {"split", "test"}, {"role", "test"}},
  }));
  const Corpus corpus = ReadCorpus(o);
  try {
    MakeFolds(corpus.utterances, o);
    ADD_FAILURE() << "MELD's train and test share speakers";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("speaker(s) in two roles: meld/meld:"), std::string::npos) << e.what();
  }
  DataOptions missing = o;
  missing.corpora[1]["split"] = "test9";
  try {
    ReadCorpus(missing);
    ADD_FAILURE() << "MELD has no split test9";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("data.corpora[1].split: 'test9' is not a split of meld (its splits: test, "
                                         "train, validation"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace merhan
