// `merhan corpus` on the synthetic release layouts: counts, dropped classes, files left
// out, audio hours and the protocol's folds, before any feature is computed; unreadable
// media (exit 3) and a protocol the release cannot take (exit 2) are named.
#include <gtest/gtest.h>

#include <filesystem>

#include "merhan/util/atomic_file.h"
#include "release_layout.h"

namespace merhan {
namespace {
using namespace testing;

std::string Config(const TempDir& dir, const std::string& data) {
  const std::string path = dir.File("config.json");
  WriteStringAtomically(path, "{\"data\": " + data + "}");
  return path;
}

TEST(CorpusCommand, MspPodcastSummaryAsJson) {
  TempDir dir;
  const std::string config = Config(dir, R"({"format": "msp-podcast", "protocol": "official", "root": ")" +
                                             LayoutDir("msp-podcast") + "/MSP-Podcast\"}");
  const CommandResult r = RunCommand(MerhanBinary() + " --log-level error corpus --json --config " + config);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output);
  size_t kept = 0;
  for (const auto& t : LayoutTruth("msp-podcast")) {
    const std::string code = t["code"];
    kept += t["left_out"].is_null() && (code == "N" || code == "H" || code == "A" || code == "S");
  }
  EXPECT_EQ(j["utterances"].get<size_t>(), kept);
  EXPECT_EQ(j["left_out"]["no transcript"], 1);
  EXPECT_EQ(j["left_out_items"].size(), 1u);
  EXPECT_EQ(j["dropped"]["X"], 1);
  EXPECT_EQ(j["dropped"]["O"], 1);
  EXPECT_GT(j["audio"]["hours"].get<double>(), 0.0);
  EXPECT_EQ(j["audio"]["files_per_channels"]["2"], 1);
  EXPECT_TRUE(j["splits"].contains("test2"));
  EXPECT_TRUE(j["speakers"].contains("msp:Unknown@train"));
  ASSERT_EQ(j["folds"].size(), 1u);
  EXPECT_EQ(j["folds"][0]["name"], "official-test1");
}

TEST(CorpusCommand, UnreadableMediaAndRefusedProtocolsAreNamed) {
  TempDir dir;
  const std::string root = CopyLayout("crema-d", "CREMA-D", dir.path());
  Rewrite(root + "/AudioWAV/1001_DFA_ANG_HI.wav", "not audio at all");
  const std::string crema =
      Config(dir, R"({"format": "crema-d", "protocol": "speaker-kfold", "root": ")" + root + "\"}");
  CommandResult r = RunCommand(MerhanBinary() + " corpus --config " + crema);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(root + "/AudioWAV/1001_DFA_ANG_HI.wav"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cannot read audio"), std::string::npos) << r.output;
  const std::string meld =
      Config(dir, R"({"format": "meld", "protocol": "official", "root": ")" + LayoutDir("meld") + "\"}");
  r = RunCommand(MerhanBinary() + " corpus --config " + meld);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("meld:Chandler (test, train)"), std::string::npos) << r.output;
  r = RunCommand(MerhanBinary() + " corpus --config " + meld + " --set data.protocol=speaker-kfold --set data.folds=3");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("| kfold3 | test |"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("test_dia3_utt1: longer than 60 s"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace merhan
