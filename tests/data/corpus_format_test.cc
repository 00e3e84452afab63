// data.format as an enum, and each release's label map through data.classes/data.merge
// (data/corpus_format.h): the default 4-class map, native classes, user maps in the
// release's codes, and usage errors naming the key.
#include <gtest/gtest.h>

#include "merhan/data/corpus_format.h"
#include "merhan/data/label_policy.h"
#include "merhan/util/error.h"

namespace merhan {
namespace {

DataOptions Release(const std::string& format) {
  DataOptions o;
  o.format = format;
  o.root = "/nowhere";
  return o;
}

TEST(CorpusFormat, NamesRoundTripAndUnknownFormatsAreUsageErrors) {
  for (const auto& name : CorpusFormatNames()) EXPECT_EQ(CorpusFormatName(ParseCorpusFormat(name)), name);
  EXPECT_EQ(CorpusFormatNames().size(), 6u);
  try {
    ParseCorpusFormat("msp_podcast");
    ADD_FAILURE() << "expected a UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("data.format: unknown format 'msp_podcast' (expected iemocap manifest "
                                         "msp-podcast meld crema-d ravdess)"),
              std::string::npos)
        << e.what();
  }
}

TEST(CorpusFormat, DefaultMergeIsEachReleasesFourClassMap) {
  const std::map<std::string, std::vector<std::string>> hap = {
      {"msp-podcast", {"H"}}, {"meld", {"joy"}}, {"crema-d", {"HAP"}}, {"ravdess", {"happy"}}};
  for (const auto& [format, codes] : hap) {
    SCOPED_TRACE(format);
    const DataOptions o = Release(format);
    EXPECT_NO_THROW(o.Validate());
    const LabelPolicy policy = LabelPolicy::FromOptions(o);
    EXPECT_EQ(policy.CodesOf(1), codes);
    EXPECT_EQ(policy.classes(), (std::vector<std::string>{"neu", "hap", "ang", "sad"}));
  }
  EXPECT_EQ(LabelPolicy::FromOptions(Release("ravdess")).IndexOf("calm"), -1);  // dropped unless mapped
  EXPECT_EQ(LabelPolicy::FromOptions(Release("iemocap")).CodesOf(1),
            (std::vector<std::string>{"exc", "hap"}));  // sorted
}

TEST(CorpusFormat, UserMapsAreInTheReleasesCodes) {
  DataOptions o = Release("ravdess");
  o.merge = {{"neu", {"neutral", "calm"}}};
  // A class without a merge entry takes its own code: "hap" is no RAVDESS code.
  EXPECT_THROW(o.Validate(), UsageError);
  EXPECT_THROW(LabelPolicy::FromOptions(o), UsageError);
  o.classes = {"neu", "happy"};
  EXPECT_NO_THROW(o.Validate());
  const LabelPolicy policy = LabelPolicy::FromOptions(o);
  EXPECT_EQ(policy.IndexOf("calm"), 0);
  EXPECT_EQ(policy.IndexOf("happy"), 1);
  EXPECT_EQ(policy.IndexOf("sad"), -1);
  o.merge = {{"neu", {"neutral", "kalm"}}};
  EXPECT_THROW(LabelPolicy::FromOptions(o), UsageError);  // a typo in a release code
  o.classes = {"neutral", "calm", "happy"};
  o.merge = nlohmann::json::object();
  EXPECT_NO_THROW(o.Validate());
  EXPECT_EQ(LabelPolicy::FromOptions(o).IndexOf("happy"), 2);
}

TEST(CorpusFormat, OfficialProtocolOptions) {
  DataOptions o = Release("msp-podcast");
  o.protocol = "official";
  o.official_test = "test2";
  EXPECT_NO_THROW(o.Validate());
  o.protocol = "speaker-kfold";
  EXPECT_THROW(o.Validate(), UsageError);  // official_test without official
  for (const char* format : {"iemocap", "crema-d", "ravdess"}) {
    DataOptions none = Release(format);
    none.protocol = "official";
    EXPECT_THROW(none.Validate(), UsageError) << format;
  }
  DataOptions manifest;
  manifest.format = "manifest";
  EXPECT_THROW(manifest.Validate(), UsageError);  // data.manifest required
  DataOptions root = Release("meld");
  root.root.clear();
  EXPECT_THROW(root.Validate(), UsageError);  // data.root required
}

}  // namespace
}  // namespace merhan
