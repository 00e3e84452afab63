// Feature cache: hits, invalidation by input and by config, corruption recovery,
// crash safety and threading, with a fake extractor that counts its calls.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "merhan/data/feature_cache.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "merhan/util/hash.h"
#include "test_util.h"

namespace merhan {
namespace {
namespace fs = std::filesystem;
using testing::TempDir;

struct Fixture {
  TempDir dir;
  std::vector<Utterance> utterances;
  std::atomic<int> calls{0};

  explicit Fixture(int n = 12) {
    fs::create_directories(dir.File("wav"));
    for (int i = 0; i < n; ++i) {
      Utterance u;
      u.id = "utt" + std::to_string(i);
      u.wav_path = dir.File("wav/" + u.id + ".wav");
      u.text = "text number " + std::to_string(i);
      WriteStringAtomically(u.wav_path, std::string(100 + 37 * i, static_cast<char>('a' + i)));
      utterances.push_back(u);
    }
  }
  std::string cache() const { return dir.File("cache"); }

  // Features derived from the input's bytes: rows depend on the size, values on content.
  FeatureExtractor WavExtractor() {
    return [this](const Utterance& u) {
      ++calls;
      const std::string bytes = ReadFileToString(u.wav_path);
      FeatureMatrix m;
      m.rows = static_cast<int64_t>(bytes.size() / 50);
      m.cols = 3;
      for (int64_t r = 0; r < m.rows; ++r) {
        for (int64_t c = 0; c < m.cols; ++c)
          m.data.push_back(static_cast<float>(bytes[static_cast<size_t>(r)] + 0.5 * c + r));
      }
      return m;
    };
  }
  FeatureExtractor TextExtractor() {
    return [this](const Utterance& u) {
      ++calls;
      FeatureMatrix m;
      m.rows = static_cast<int64_t>(u.text.size());
      m.cols = 2;
      for (char ch : u.text) {
        m.data.push_back(static_cast<float>(ch));
        m.data.push_back(-static_cast<float>(ch));
      }
      return m;
    };
  }
};

void ExpectMatches(const FeatureCache& cache, const Utterance& u, const FeatureExtractor& f) {
  const FeatureMatrix want = f(u);
  const FeatureView got = cache.Get(u.id);
  ASSERT_EQ(got.rows, want.rows) << u.id;
  ASSERT_EQ(got.cols, want.cols) << u.id;
  for (size_t i = 0; i < want.data.size(); ++i) ASSERT_EQ(got.floats()[i], want.data[i]) << u.id << " @" << i;
}

TEST(FeatureCache, SecondEnsureIsAHitAcrossInstances) {
  Fixture fx;
  {
    FeatureCache cache(fx.cache(), "mfcc", R"({"n_mfcc":40})", CacheInput::kWavFile);
    const auto stats = cache.Ensure(fx.utterances, fx.WavExtractor(), 2);
    EXPECT_EQ(stats.computed, 12);
    EXPECT_EQ(stats.hits, 0);
    EXPECT_FALSE(stats.index_rebuilt);
  }
  FeatureCache cache(fx.cache(), "mfcc", R"({"n_mfcc":40})", CacheInput::kWavFile);
  EXPECT_EQ(cache.size(), 12);  // loaded on open, before Ensure
  fx.calls = 0;
  const auto stats = cache.Ensure(fx.utterances, fx.WavExtractor(), 2);
  EXPECT_EQ(stats.hits, 12);
  EXPECT_EQ(stats.computed, 0);
  EXPECT_EQ(stats.content_hashed, 0);  // size + mtime fast path
  EXPECT_FALSE(stats.wrote);
  EXPECT_EQ(fx.calls, 0);
  auto check = fx.WavExtractor();
  for (const auto& u : fx.utterances) ExpectMatches(cache, u, check);
}

TEST(FeatureCache, ChangedWavRecomputesOnlyThatOne) {
  Fixture fx;
  FeatureCache cache(fx.cache(), "mfcc", "{}", CacheInput::kWavFile);
  cache.Ensure(fx.utterances, fx.WavExtractor(), 2);
  WriteStringAtomically(fx.utterances[3].wav_path, std::string(500, 'z'));
  fx.calls = 0;
  const auto stats = cache.Ensure(fx.utterances, fx.WavExtractor(), 2);
  EXPECT_EQ(stats.computed, 1);
  EXPECT_EQ(stats.hits, 11);
  EXPECT_EQ(fx.calls, 1);
  auto check = fx.WavExtractor();
  for (const auto& u : fx.utterances) ExpectMatches(cache, u, check);
  // Only one data file is left.
  int data_files = 0;
  for (const auto& e : fs::directory_iterator(cache.dir()))
    data_files += e.path().filename().string().rfind("data.", 0) == 0;
  EXPECT_EQ(data_files, 1);
}

TEST(FeatureCache, TouchedWavWithSameContentIsAHit) {
  Fixture fx;
  FeatureCache cache(fx.cache(), "mfcc", "{}", CacheInput::kWavFile);
  cache.Ensure(fx.utterances, fx.WavExtractor(), 1);
  const auto p = fx.utterances[0].wav_path;
  fs::last_write_time(p, fs::last_write_time(p) + std::chrono::seconds(5));
  fx.calls = 0;
  auto stats = cache.Ensure(fx.utterances, fx.WavExtractor(), 1);
  EXPECT_EQ(stats.computed, 0);
  EXPECT_EQ(stats.content_hashed, 1);
  EXPECT_TRUE(stats.wrote);  // the new mtime is remembered ...
  stats = cache.Ensure(fx.utterances, fx.WavExtractor(), 1);
  EXPECT_EQ(stats.content_hashed, 0);  // ... so the next run needs no hashing
  EXPECT_EQ(fx.calls, 0);
}

TEST(FeatureCache, ChangedConfigIsAnotherCache) {
  Fixture fx;
  FeatureCache a(fx.cache(), "mfcc", R"({"hop":160})", CacheInput::kWavFile);
  a.Ensure(fx.utterances, fx.WavExtractor(), 2);
  FeatureCache b(fx.cache(), "mfcc", R"({"hop":200})", CacheInput::kWavFile);
  EXPECT_NE(a.dir(), b.dir());
  EXPECT_EQ(b.Ensure(fx.utterances, fx.WavExtractor(), 2).computed, 12);
  FeatureCache c(fx.cache(), "text", R"({"hop":160})", CacheInput::kText);
  EXPECT_NE(a.dir(), c.dir());
}

TEST(FeatureCache, TextStreamKeysOnTheTranscript) {
  Fixture fx;
  FeatureCache cache(fx.cache(), "text", "{}", CacheInput::kText);
  EXPECT_EQ(cache.Ensure(fx.utterances, fx.TextExtractor(), 2).computed, 12);
  fx.utterances[7].text = "a different transcript";
  fx.utterances[7].wav_path = "/nonexistent.wav";  // not needed for text
  const auto stats = cache.Ensure(fx.utterances, fx.TextExtractor(), 2);
  EXPECT_EQ(stats.computed, 1);
  ExpectMatches(cache, fx.utterances[7], fx.TextExtractor());
  EXPECT_EQ(cache.Get(fx.utterances[7].id).rows, 22);
}

TEST(FeatureCache, CorruptEntryIsRecomputed) {
  Fixture fx;
  std::string data_path;
  {
    FeatureCache cache(fx.cache(), "mfcc", "{}", CacheInput::kWavFile);
    cache.Ensure(fx.utterances, fx.WavExtractor(), 2);
    for (const auto& e : fs::directory_iterator(cache.dir())) {
      if (e.path().filename().string().rfind("data.", 0) == 0) data_path = e.path().string();
    }
  }
  {  // flip one byte in the middle of the data file
    std::fstream f(data_path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(data_path) / 2));
    f.put('\x7f');
  }
  FeatureCache cache(fx.cache(), "mfcc", "{}", CacheInput::kWavFile);
  fx.calls = 0;
  const auto stats = cache.Ensure(fx.utterances, fx.WavExtractor(), 2);
  EXPECT_EQ(stats.corrupt, 1);
  EXPECT_EQ(stats.computed, 1);
  EXPECT_EQ(fx.calls, 1);
  auto check = fx.WavExtractor();
  for (const auto& u : fx.utterances) ExpectMatches(cache, u, check);
}

TEST(FeatureCache, TruncatedDataOrBrokenIndexRebuilds) {
  for (int damage = 0; damage < 3; ++damage) {
    Fixture fx;
    std::string dir;
    {
      FeatureCache cache(fx.cache(), "mfcc", "{}", CacheInput::kWavFile);
      cache.Ensure(fx.utterances, fx.WavExtractor(), 2);
      dir = cache.dir();
    }
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      if (damage == 0 && name.rfind("data.", 0) == 0) fs::resize_file(e.path(), fs::file_size(e.path()) - 8);
      if (damage == 1 && name == "index.json") WriteStringAtomically(e.path().string(), "{\"format\": ");
      if (damage == 2 && name == "index.json") fs::remove(e.path());  // crash before the commit
    }
    FeatureCache cache(fx.cache(), "mfcc", "{}", CacheInput::kWavFile);
    EXPECT_EQ(cache.size(), 0) << damage;
    const auto stats = cache.Ensure(fx.utterances, fx.WavExtractor(), 2);
    EXPECT_TRUE(stats.index_rebuilt) << damage;
    EXPECT_EQ(stats.computed, 12) << damage;
    auto check = fx.WavExtractor();
    for (const auto& u : fx.utterances) ExpectMatches(cache, u, check);
  }
}

TEST(FeatureCache, FailingExtractorLeavesThePreviousCacheIntact) {
  Fixture fx;
  FeatureCache cache(fx.cache(), "mfcc", "{}", CacheInput::kWavFile);
  cache.Ensure(std::vector<Utterance>(fx.utterances.begin(), fx.utterances.begin() + 6), fx.WavExtractor(), 2);
  auto failing = [](const Utterance& u) -> FeatureMatrix { throw DataError(u.wav_path + ": broken"); };
  EXPECT_THROW(cache.Ensure(fx.utterances, failing, 2), DataError);
  FeatureCache reopened(fx.cache(), "mfcc", "{}", CacheInput::kWavFile);
  EXPECT_EQ(reopened.size(), 6);
  fx.calls = 0;
  EXPECT_EQ(reopened.Ensure(fx.utterances, fx.WavExtractor(), 2).computed, 6);
  EXPECT_EQ(fx.calls, 6);
}

// A cache entry written onto a full disk (a file-size limit: EFBIG)
// fails naming the file; the previous cache stays as it was, on disk and in the open
// instance, and with space again the missing entries are computed. Two cases: the new
// data file fails (large entries), or the index after it (tiny entries, long index).
TEST(FeatureCache, FullDiskFailsNamingTheFileAndKeepsThePreviousCache) {
  for (const bool index_fails : {false, true}) {
    Fixture fx;
    const int64_t rows = index_fails ? 1 : 2000, cols = index_fails ? 1 : 5;  // 4 bytes or 40 KB an entry
    FeatureExtractor extract = [&](const Utterance& u) {
      FeatureMatrix m;
      m.rows = rows;
      m.cols = cols;
      m.data.assign(static_cast<size_t>(rows * cols), static_cast<float>(u.id.size()));
      return m;
    };
    FeatureCache cache(fx.cache(), "mfcc", "{}", CacheInput::kWavFile);
    const std::vector<Utterance> first(fx.utterances.begin(), fx.utterances.begin() + 6);
    cache.Ensure(first, extract, 1);
    const auto files_before = testing::FileNames(cache.dir());
    const std::string index = cache.dir() + "/index.json";
    const std::string index_before = ReadFileToString(index);
    std::string error = "(no DataError)";
    {
      testing::FileSizeLimit limit(index_fails ? index_before.size() / 2 : 100 * 1024);
      try {
        cache.Ensure(fx.utterances, extract, 1);
      } catch (const DataError& e) {
        error = e.what();
      }
    }
    const std::string culprit = cache.dir() + (index_fails ? "/index.json" : "/data.");
    EXPECT_NE(error.find(culprit), std::string::npos) << index_fails << ": " << error;
    EXPECT_EQ(testing::FileNames(cache.dir()), files_before) << index_fails;
    EXPECT_EQ(ReadFileToString(index), index_before) << index_fails;
    EXPECT_EQ(cache.size(), 6) << index_fails;
    EXPECT_EQ(cache.Get(first[0].id).rows, rows) << index_fails;
    FeatureCache reopened(fx.cache(), "mfcc", "{}", CacheInput::kWavFile);
    EXPECT_EQ(reopened.size(), 6) << index_fails;
    EXPECT_EQ(reopened.Ensure(fx.utterances, extract, 1).computed, 6) << index_fails;
    EXPECT_EQ(reopened.size(), 12) << index_fails;
  }
}

TEST(FeatureCache, MissingFeaturesWithoutExtractorIsADataError) {
  Fixture fx;
  FeatureCache cache(fx.cache(), "mfcc", "{}", CacheInput::kWavFile);
  EXPECT_THROW(cache.Ensure(fx.utterances, FeatureExtractor{}, 1), DataError);
  EXPECT_THROW(cache.Get("utt0"), DataError);
  cache.Ensure(fx.utterances, fx.WavExtractor(), 1);
  EXPECT_NO_THROW(cache.Ensure(fx.utterances, FeatureExtractor{}, 1));
}

TEST(FeatureCache, SubsetRequestsKeepTheOtherEntries) {
  Fixture fx;
  FeatureCache cache(fx.cache(), "mfcc", "{}", CacheInput::kWavFile);
  cache.Ensure(fx.utterances, fx.WavExtractor(), 2);
  WriteStringAtomically(fx.utterances[0].wav_path, "changed content for utt0, long enough to give rows......");
  const auto stats = cache.Ensure({fx.utterances[0]}, fx.WavExtractor(), 2);
  EXPECT_EQ(stats.computed, 1);
  EXPECT_EQ(cache.size(), 12);
  auto check = fx.WavExtractor();
  for (const auto& u : fx.utterances) ExpectMatches(cache, u, check);
}

TEST(FeatureCache, ThreadCountDoesNotChangeTheFeatures) {
  Fixture fx(40);
  FeatureCache one(fx.dir.File("c1"), "mfcc", "{}", CacheInput::kWavFile);
  FeatureCache many(fx.dir.File("c4"), "mfcc", "{}", CacheInput::kWavFile);
  int64_t last_done = 0, total_seen = 0;
  one.Ensure(fx.utterances, fx.WavExtractor(), 1, [&](int64_t done, int64_t total) {
    EXPECT_GE(done, last_done);
    last_done = done;
    total_seen = total;
  });
  EXPECT_EQ(last_done, 40);
  EXPECT_EQ(total_seen, 40);
  many.Ensure(fx.utterances, fx.WavExtractor(), 4);
  for (const auto& u : fx.utterances) {
    const FeatureView a = one.Get(u.id), b = many.Get(u.id);
    ASSERT_EQ(a.rows, b.rows);
    EXPECT_EQ(Hash64(a.data, static_cast<size_t>(a.rows * a.cols) * 4),
              Hash64(b.data, static_cast<size_t>(b.rows * b.cols) * 4));
  }
}

TEST(StableHash, KnownValues) {
  // XXH3-64 test vectors (xxHash's own sanity checks): empty input, seed 0 and 1.
  EXPECT_EQ(Hash64("", 0, 0), 0x2D06800538D394C2ULL);
  EXPECT_EQ(HexDigest(0x2D06800538D394C2ULL), "2d06800538d394c2");
  Hasher h;
  h.Update("hello ");
  h.Update("world");
  EXPECT_EQ(h.Digest(), Hash64(std::string("hello world")));
}

}  // namespace
}  // namespace merhan
