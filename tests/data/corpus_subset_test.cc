// data.subset: improvised or scripted IEMOCAP dialogues only, on the tiny
// synthetic corpus (scripts/make_corpus), whose ground truth says which is which.
#include <gtest/gtest.h>

#include <set>

#include "merhan/data/corpus.h"
#include "merhan/util/error.h"
#include "tiny_corpus.h"

namespace merhan {
namespace {

DataOptions Options(const std::string& subset) {
  DataOptions o;
  o.root = testing::TinyCorpusDir();
  o.subset = subset;
  return o;
}

TEST(CorpusSubset, KeepsImprovisedOrScriptedDialoguesOnly) {
  const Corpus all = ReadCorpus(Options("all"));
  const Corpus impro = ReadCorpus(Options("improvised"));
  const Corpus script = ReadCorpus(Options("scripted"));
  ASSERT_GT(impro.utterances.size(), 0u);
  ASSERT_GT(script.utterances.size(), 0u);
  EXPECT_EQ(impro.utterances.size() + script.utterances.size(), all.utterances.size());
  for (const auto& u : impro.utterances) EXPECT_NE(u.dialog.find("_impro"), std::string::npos) << u.id;
  for (const auto& u : script.utterances) EXPECT_NE(u.dialog.find("_script"), std::string::npos) << u.id;
  // The generator's own record of which utterances are improvised.
  size_t improvised_in_truth = 0;
  std::set<std::string> kept;
  for (const auto& u : all.utterances) kept.insert(u.id);
  for (const auto& row : testing::TinyGroundTruth()) {
    if (kept.count(row["id"].get<std::string>()) && row["improvised"].get<bool>()) ++improvised_in_truth;
  }
  EXPECT_EQ(impro.utterances.size(), improvised_in_truth);
  // Counts follow the subset, and what it left out is stated.
  int per_class = 0;
  for (int c : impro.counts.per_class) per_class += c;
  EXPECT_EQ(per_class, static_cast<int>(impro.utterances.size()));
  bool stated = false;
  for (const auto& [code, n] : impro.counts.dropped) {
    if (code == "subset:scripted") {
      stated = true;
      EXPECT_EQ(n, static_cast<int>(script.utterances.size()));
    }
  }
  EXPECT_TRUE(stated);
}

TEST(CorpusSubset, OnlyForIemocap) {
  DataOptions o;
  o.format = "manifest";
  o.manifest = "m.csv";
  o.subset = "improvised";
  try {
    o.Validate();
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("data.subset"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace merhan
