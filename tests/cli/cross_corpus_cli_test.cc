// A cross-corpus run from one config (data.corpora): trains on the IEMOCAP layout, tests
// on the CREMA-D and RAVDESS layouts, prints and writes one table per test corpus; `merhan
// eval --config` of its checkpoint on either corpus alone reproduces that corpus's row,
// and on the run's own config gives the same per-corpus metrics.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "cli_test_util.h"
#include "data/release_layout.h"

namespace merhan {
namespace {
using nlohmann::json;
using testing::Merhan;
using testing::OnlyRun;
using testing::Quote;
using testing::ReadJson;
using testing::RunCommand;

json Config(const testing::TempDir& dir, const json& data) {
  return {{"extends", testing::SourceDir() + "/configs/demo.json"},
          {"data", data},
          {"model", {{"lstm_hidden", 16}, {"cma_dim", 16}}},
          {"run", {{"name", "cross"}, {"threads", 1}, {"out_dir", dir.File("runs")}}},
          {"train", {{"epochs", 1}, {"patience", 0}, {"batch_size", 16}, {"num_workers", 1}}}};
}

void Write(const std::string& path, const json& j) { std::ofstream(path) << j.dump(2); }

TEST(CrossCorpusCli, TablePerTestCorpusAndEvalOnEachCorpusReproducesItsRow) {
  testing::TempDir dir;
  const std::string crema = testing::LayoutDir("crema-d") + "/CREMA-D";
  const std::string ravdess = testing::LayoutDir("ravdess") + "/RAVDESS";
  const json corpora = json::array({{{"name", "iemocap"},
                                     {"format", "iemocap"},
                                     {"root", testing::SharedTestCorpus("tiny", 1) + "/IEMOCAP_full_release"},
                                     {"role", "train"}},
                                    {{"name", "crema"}, {"format", "crema-d"}, {"root", crema}, {"role", "test"}},
                                    {{"name", "ravdess"}, {"format", "ravdess"}, {"root", ravdess}, {"role", "test"}}});
  Write(dir.File("cross.json"), Config(dir, {{"corpora", corpora}, {"cache_dir", dir.File("cache")}}));
  const auto trained = RunCommand(Merhan("train --config " + Quote(dir.File("cross.json"))));
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  EXPECT_NE(trained.output.find("### Test corpus crema"), std::string::npos) << trained.output;
  EXPECT_NE(trained.output.find("### Test corpus ravdess"), std::string::npos) << trained.output;
  const std::string run = OnlyRun(dir.File("runs/cross"));
  const json summary = ReadJson(run + "/summary.json");
  ASSERT_TRUE(summary["test_corpora"].is_array()) << summary.dump(2);
  ASSERT_EQ(summary["test_corpora"].size(), 2u);
  EXPECT_NE(testing::Slurp(run + "/report.html").find("Test results per corpus"), std::string::npos);

  const std::string ckpt = run + "/fold-0/seed-1/best.ckpt";
  const json own = [&] {
    const auto r = RunCommand(Merhan("eval --checkpoint " + Quote(ckpt) + " --output " + Quote(dir.File("own.json"))));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return ReadJson(dir.File("own.json"));
  }();
  for (const json& row : summary["test_corpora"]) {
    const std::string name = row["name"];
    const std::string format = name == "crema" ? "crema-d" : "ravdess";
    const json single = {{"format", format},
                         {"root", name == "crema" ? crema : ravdess},
                         {"protocol", "speaker-kfold"},
                         {"cache_dir", dir.File("cache-" + name)}};
    Write(dir.File(name + ".json"), Config(dir, single));
    const auto r =
        RunCommand(Merhan("eval --checkpoint " + Quote(ckpt) + " --config " + Quote(dir.File(name + ".json")) +
                          " --output " + Quote(dir.File(name + "-eval.json"))));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const json alone = ReadJson(dir.File(name + "-eval.json"));
    // Every utterance of the corpus (the union of its speaker-kfold test splits), through
    // the model's features and label map: the run's row for that corpus.
    EXPECT_EQ(alone["utterances"], row["utterances"]) << name;
    for (const char* metric : {"war", "uar", "macro_f1"}) {
      EXPECT_NEAR(alone[metric].get<double>(), row[metric]["mean"].get<double>(), 1e-9) << name << " " << metric;
      EXPECT_NEAR(own["test_corpora"][name][metric].get<double>(), row[metric]["mean"].get<double>(), 1e-9)
          << name << " " << metric;
    }
  }
  // A manifest is read alone, not the run's corpora: two CREMA-D files.
  std::vector<std::string> wavs;
  for (const auto& e : std::filesystem::directory_iterator(crema + "/AudioWAV")) wavs.push_back(e.path().string());
  std::sort(wavs.begin(), wavs.end());
  ASSERT_GE(wavs.size(), 2u);
  std::ofstream(dir.File("two.csv")) << "id,wav,text,label,speaker\na," << wavs[0]
                                     << ",Don't forget a jacket.,ang,x\nb," << wavs[1]
                                     << ",Don't forget a jacket.,sad,y\n";
  const auto listed = RunCommand(Merhan("eval --checkpoint " + Quote(ckpt) + " --manifest " +
                                        Quote(dir.File("two.csv")) + " --output " + Quote(dir.File("two.json"))));
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_EQ(ReadJson(dir.File("two.json"))["utterances"], 2);

  // Another label map is refused, naming both.
  json three = Config(dir, {{"format", "crema-d"}, {"root", crema}, {"protocol", "speaker-kfold"}});
  three["data"]["classes"] = {"neu", "hap", "ang"};
  Write(dir.File("three.json"), three);
  const auto refused =
      RunCommand(Merhan("eval --checkpoint " + Quote(ckpt) + " --config " + Quote(dir.File("three.json"))));
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("differ from the model's"), std::string::npos) << refused.output;
}

}  // namespace
}  // namespace merhan
