// `merhan features` end to end on the tiny corpus: the second run is a cache hit;
// changing one wav or one MFCC option recomputes only what changed.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "merhan/util/atomic_file.h"
#include "test_util.h"
#include "tiny_corpus.h"

namespace merhan {
namespace {
namespace fs = std::filesystem;
using testing::TempDir;

// "mfcc: 120 utterances: 0 cached, 120 computed" -> {cached, computed}.
std::pair<int, int> Stats(const std::string& output, const std::string& stream) {
  std::smatch m;
  const std::regex re("\n" + stream + ": ([0-9]+) utterances: ([0-9]+) cached, ([0-9]+) computed");
  if (!std::regex_search(output, m, re)) return {-1, -1};
  return {std::stoi(m[2]), std::stoi(m[3])};
}

TEST(FeaturesCommand, CachesAndRecomputesOnlyWhatChanged) {
  TempDir dir;
  // A private copy whose wavs we may change (label files copied, wavs copied).
  fs::create_directories(dir.File("corpus"));
  fs::copy(testing::TinyCorpusDir() + "/IEMOCAP_full_release", dir.File("corpus/IEMOCAP_full_release"),
           fs::copy_options::recursive);
  WriteStringAtomically(dir.File("config.json"),
                        R"({"data": {"root": "corpus", "cache_dir": ")" + dir.File("cache") +
                            R"("}, "text": {"model_dir": "minilm", "max_length": 64}})");
  const std::string cmd = testing::MerhanBinary() + " features --config " + dir.File("config.json") + " 2>&1";

  auto r = testing::RunCommand(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto [cached0, computed0] = Stats(r.output, "mfcc");
  EXPECT_EQ(cached0, 0) << r.output;
  ASSERT_GT(computed0, 100) << r.output;
  const int n = computed0;
  EXPECT_EQ(Stats(r.output, "text"), std::make_pair(0, n)) << r.output;

  r = testing::RunCommand(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Stats(r.output, "mfcc"), std::make_pair(n, 0)) << r.output;
  EXPECT_EQ(Stats(r.output, "text"), std::make_pair(n, 0)) << r.output;

  // Change one kept utterance's wav (another utterance's audio copied over it).
  std::vector<std::string> kept_wavs;
  for (const auto& t : testing::TinyGroundTruth()) {
    if (t["label"] == "neu") kept_wavs.push_back(dir.File("corpus/" + t["wav"].get<std::string>()));
  }
  ASSERT_GE(kept_wavs.size(), 2u);
  fs::copy_file(kept_wavs[1], kept_wavs[0], fs::copy_options::overwrite_existing);
  r = testing::RunCommand(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Stats(r.output, "mfcc"), std::make_pair(n - 1, 1)) << r.output;
  EXPECT_EQ(Stats(r.output, "text"), std::make_pair(n, 0)) << r.output;

  // Change one MFCC option: every MFCC is recomputed, the text stream is untouched.
  r = testing::RunCommand(testing::MerhanBinary() + " features --config " + dir.File("config.json") +
                          " --set mfcc.hop_length=200 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Stats(r.output, "mfcc"), std::make_pair(0, n)) << r.output;
  EXPECT_EQ(Stats(r.output, "text"), std::make_pair(n, 0)) << r.output;
}

// A cache write onto a full disk (here `prlimit --fsize`, which merhan
// meets with SIGXFSZ ignored: write() fails with EFBIG) exits with 3 naming the cache
// file; the cache of the previous run stays whole; with space the same command succeeds.
TEST(FeaturesCommand, FullDiskExitsWithThreeAndKeepsTheCache) {
  if (testing::RunCommand("prlimit --version 2>&1").exit_code != 0) GTEST_SKIP() << "prlimit (util-linux) missing";
  TempDir dir;
  fs::create_directories(dir.File("corpus"));
  fs::copy(testing::TinyCorpusDir() + "/IEMOCAP_full_release", dir.File("corpus/IEMOCAP_full_release"),
           fs::copy_options::recursive);
  WriteStringAtomically(dir.File("config.json"),
                        R"({"data": {"root": "corpus", "cache_dir": ")" + dir.File("cache") +
                            R"("}, "text": {"model_dir": "minilm", "max_length": 64}})");
  const std::string cmd = testing::MerhanBinary() + " features --config " + dir.File("config.json") + " 2>&1";
  auto r = testing::RunCommand(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const int n = Stats(r.output, "mfcc").second;
  ASSERT_GT(n, 100) << r.output;

  // One wav changes: its entry is recomputed into a new data file that holds every
  // entry, far more than the 64 KiB the limit lets through.
  std::vector<std::string> kept_wavs;
  for (const auto& t : testing::TinyGroundTruth()) {
    if (t["label"] == "neu") kept_wavs.push_back(dir.File("corpus/" + t["wav"].get<std::string>()));
  }
  ASSERT_GE(kept_wavs.size(), 2u);
  const std::string original = ReadFileToString(kept_wavs[0]);
  fs::copy_file(kept_wavs[1], kept_wavs[0], fs::copy_options::overwrite_existing);
  r = testing::RunCommand("prlimit --fsize=65536 " + cmd);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find(dir.File("cache")), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("File too large"), std::string::npos) << r.output;

  // The previous cache is whole: with the wav restored everything is a hit.
  WriteStringAtomically(kept_wavs[0], original);
  r = testing::RunCommand(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Stats(r.output, "mfcc"), std::make_pair(n, 0)) << r.output;
  // With space, the change goes through.
  fs::copy_file(kept_wavs[1], kept_wavs[0], fs::copy_options::overwrite_existing);
  r = testing::RunCommand(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Stats(r.output, "mfcc"), std::make_pair(n - 1, 1)) << r.output;
}

TEST(FeaturesCommand, BadCorpusIsADataError) {
  TempDir dir;
  WriteStringAtomically(dir.File("config.json"), R"({"data": {"root": "nowhere"}})");
  const auto r = testing::RunCommand(testing::MerhanBinary() + " features --config " + dir.File("config.json") + " 2>&1");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("nowhere"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace merhan
