// `merhan features` end to end on the tiny corpus: the second run is a cache hit;
// changing one wav or one MFCC option recomputes only what changed; two processes
// filling one cache at once leave what one process would; an entry corrupted on
// disk is reported and recomputed.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

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

// The "(K corrupt)" of a stream's line; 0 when the line has none.
int Corrupt(const std::string& output, const std::string& stream) {
  std::smatch m;
  const std::regex re("\n" + stream + ": [^\n]* \\(([0-9]+) corrupt\\)");
  return std::regex_search(output, m, re) ? std::stoi(m[1]) : 0;
}

// A private copy of the tiny corpus in `dir`/corpus, whose wavs a test may change, and a
// config caching into `dir`/cache: the `merhan features` command for it.
std::string PrivateCorpusFeatures(const TempDir& dir) {
  fs::create_directories(dir.File("corpus"));
  fs::copy(testing::TinyCorpusDir() + "/IEMOCAP_full_release", dir.File("corpus/IEMOCAP_full_release"),
           fs::copy_options::recursive);
  WriteStringAtomically(dir.File("config.json"), R"({"data": {"root": "corpus", "cache_dir": ")" + dir.File("cache") +
                                                     R"("}, "text": {"model_dir": "minilm", "max_length": 64}})");
  return testing::MerhanBinary() + " features --config " + dir.File("config.json") + " 2>&1";
}

// The wavs of the private copy's utterances that the default label set keeps (neutral ones).
std::vector<std::string> KeptWavs(const TempDir& dir) {
  std::vector<std::string> wavs;
  for (const auto& t : testing::TinyGroundTruth()) {
    if (t["label"] == "neu") wavs.push_back(dir.File("corpus/" + t["wav"].get<std::string>()));
  }
  return wavs;
}

TEST(FeaturesCommand, CachesAndRecomputesOnlyWhatChanged) {
  TempDir dir;
  const std::string cmd = PrivateCorpusFeatures(dir);

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
  const std::vector<std::string> kept_wavs = KeptWavs(dir);
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
#ifdef __SANITIZE_THREAD__
  // Measured: under a 64 KiB file-size limit the ThreadSanitizer runtime itself dies
  // with SIGBUS at start-up (even `merhan --version`), before merhan runs.
  GTEST_SKIP() << "a ThreadSanitizer build cannot start under a file-size limit";
#endif
  TempDir dir;
  const std::string cmd = PrivateCorpusFeatures(dir);
  auto r = testing::RunCommand(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const int n = Stats(r.output, "mfcc").second;
  ASSERT_GT(n, 100) << r.output;

  // One wav changes: its entry is recomputed into a new data file that holds every
  // entry, far more than the 64 KiB the limit lets through.
  const std::vector<std::string> kept_wavs = KeptWavs(dir);
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

// Every entry of every stream under `cache_dir`, read back through its index:
// "<stream dir>/<utterance id>" -> "<rows>x<cols>:" and the entry's bytes.
std::map<std::string, std::string> CacheContents(const std::string& cache_dir) {
  std::map<std::string, std::string> entries;
  for (const auto& stream : fs::directory_iterator(cache_dir)) {
    if (!stream.is_directory()) continue;
    const auto index = testing::ReadJson((stream.path() / "index.json").string());
    const std::string data = testing::Slurp((stream.path() / index.at("data_file").get<std::string>()).string());
    for (const auto& e : index.at("entries")) {
      const int64_t rows = e.at("rows"), cols = e.at("cols"), offset = e.at("offset");
      const std::string key = stream.path().filename().string() + "/" + e.at("id").get<std::string>();
      entries[key] = std::to_string(rows) + "x" + std::to_string(cols) + ":" +
                     data.substr(static_cast<size_t>(offset * 4), static_cast<size_t>(rows * cols * 4));
    }
  }
  return entries;
}

// The first entry that is missing from one side or differs; "" when the caches hold the same.
std::string FirstDifference(const std::map<std::string, std::string>& a, const std::map<std::string, std::string>& b) {
  for (const auto& [key, value] : a) {
    auto it = b.find(key);
    if (it == b.end() || it->second != value) return key;
  }
  for (const auto& [key, value] : b) {
    if (a.count(key) == 0) return key;
  }
  return "";
}

// `merhan features` runs on one shared corpus, against a reference cache filled once
// by a single process.
class FeaturesCommandOnOneCache : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    WriteStringAtomically(dir_->File("config.json"),
                          nlohmann::json{{"data", {{"root", testing::TinyCorpusDir() + "/IEMOCAP_full_release"}}},
                                         {"text", {{"model_dir", "minilm"}, {"max_length", 64}}}}
                              .dump());
    const auto r = testing::RunCommand(Features(Reference()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    n_ = Stats(r.output, "mfcc").second;
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::string Reference() { return dir_->File("reference"); }
  static std::string Features(const std::string& cache) {
    return testing::Quote(testing::MerhanBinary()) + " features --config " + testing::Quote(dir_->File("config.json")) +
           " --set data.cache_dir=" + testing::Quote(cache);
  }
  // A run that finds every entry of both streams whole.
  static void ExpectAllHits(const std::string& cache) {
    const auto r = testing::RunCommand(Features(cache));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(Stats(r.output, "mfcc"), std::make_pair(n_, 0)) << r.output;
    EXPECT_EQ(Stats(r.output, "text"), std::make_pair(n_, 0)) << r.output;
    EXPECT_EQ(Corrupt(r.output, "mfcc") + Corrupt(r.output, "text"), 0) << r.output;
    EXPECT_EQ(r.output.find("index rebuilt"), std::string::npos) << r.output;
  }

  static TempDir* dir_;
  static int n_;
};
TempDir* FeaturesCommandOnOneCache::dir_ = nullptr;
int FeaturesCommandOnOneCache::n_ = 0;

// Two processes fill one empty cache at once. The first is held at a failpoint while
// it holds the MFCC cache's lock (its data file written, its index not yet in
// place); the second starts then and must wait for that lock (it logs so), which
// proves that they overlap. Then the first goes on and both race freely for the
// text stream. Both succeed, the second reuses the first's MFCCs, exactly one
// computes the text features, and the cache holds what one process writes.
TEST_F(FeaturesCommandOnOneCache, TwoProcessesAtOnceLeaveWhatOneWould) {
  ASSERT_GT(n_, 100);
  const std::string cache = dir_->File("race");
  testing::Process first("env MERHAN_FAILPOINT=index.json@1=STOP " + Features(cache), dir_->File("first.log"));
  ASSERT_TRUE(first.WaitUntilStopped()) << first.Log();
  testing::Process second(Features(cache), dir_->File("second.log"));
  ASSERT_TRUE(second.WaitForLog("another process is writing it; waiting for its lock")) << second.Log();
  first.Signal(SIGCONT);
  ASSERT_EQ(first.Wait(), 0) << first.Log();
  ASSERT_EQ(second.Wait(), 0) << second.Log();

  EXPECT_EQ(Stats(first.Log(), "mfcc"), std::make_pair(0, n_)) << first.Log();
  EXPECT_EQ(Stats(second.Log(), "mfcc"), std::make_pair(n_, 0)) << second.Log();
  const auto text1 = Stats(first.Log(), "text"), text2 = Stats(second.Log(), "text");
  EXPECT_EQ(text1.first + text1.second, n_) << first.Log();
  EXPECT_EQ(text2.first + text2.second, n_) << second.Log();
  EXPECT_EQ(text1.second + text2.second, n_) << "the text features were computed once\n" << first.Log() << second.Log();
  ExpectAllHits(cache);
  EXPECT_EQ(FirstDifference(CacheContents(cache), CacheContents(Reference())), "");
}

// One MFCC entry's bytes flipped in the data file (the index untouched): the next
// run warns naming the stream and the utterance, recomputes that entry alone and
// ends with the reference's features.
TEST_F(FeaturesCommandOnOneCache, CorruptEntryIsReportedAndRecomputed) {
  ASSERT_GT(n_, 100);
  const std::string cache = dir_->File("damaged");
  fs::copy(Reference(), cache, fs::copy_options::recursive);
  fs::path stream;
  for (const auto& e : fs::directory_iterator(cache)) {
    if (e.path().filename().string().rfind("mfcc-", 0) == 0) stream = e.path();
  }
  const auto index = testing::ReadJson((stream / "index.json").string());
  const auto& entry = index.at("entries").at(index.at("entries").size() / 2);
  const std::string id = entry.at("id");
  {
    std::fstream data(stream / index.at("data_file").get<std::string>(),
                      std::ios::in | std::ios::out | std::ios::binary);
    const std::streamoff at = entry.at("offset").get<int64_t>() * 4;
    char value[4];
    data.seekg(at);
    data.read(value, 4);
    for (char& c : value) c = static_cast<char>(~c);
    data.seekp(at);
    data.write(value, 4);
    ASSERT_TRUE(data.good());
  }
  ASSERT_EQ(FirstDifference(CacheContents(cache), CacheContents(Reference())), stream.filename().string() + "/" + id);

  const auto r = testing::RunCommand(Features(cache));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("1 mfcc entry failed its checksum (" + id + "); recomputing"), std::string::npos) << r.output;
  EXPECT_EQ(Stats(r.output, "mfcc"), std::make_pair(n_ - 1, 1)) << r.output;
  EXPECT_EQ(Corrupt(r.output, "mfcc"), 1) << r.output;
  EXPECT_EQ(Stats(r.output, "text"), std::make_pair(n_, 0)) << r.output;
  EXPECT_EQ(FirstDifference(CacheContents(cache), CacheContents(Reference())), "");
  ExpectAllHits(cache);
}

TEST(FeaturesCommand, BadCorpusIsADataError) {
  TempDir dir;
  WriteStringAtomically(dir.File("config.json"), R"({"data": {"root": "nowhere"}})");
  const auto r =
      testing::RunCommand(testing::MerhanBinary() + " features --config " + dir.File("config.json") + " 2>&1");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("nowhere"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace merhan
