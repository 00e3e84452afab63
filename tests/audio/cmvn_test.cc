// CMVN: per-utterance and global statistics (fit, apply, save/load).
#include <gtest/gtest.h>

#include <random>

#include "merhan/audio/cmvn.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"
#include "test_util.h"

namespace merhan {
namespace {

std::vector<float> RandomFeatures(int64_t frames, int dims, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.f, 1.f);
  std::vector<float> x(frames * dims);
  for (int64_t t = 0; t < frames; ++t)
    for (int d = 0; d < dims; ++d) x[t * dims + d] = 3.0f * d - 20.0f + (1.0f + d) * g(rng);
  return x;
}

void ExpectStandardised(const std::vector<float>& x, int64_t frames, int dims) {
  for (int d = 0; d < dims; ++d) {
    double s = 0, s2 = 0;
    for (int64_t t = 0; t < frames; ++t) {
      s += x[t * dims + d];
      s2 += x[t * dims + d] * x[t * dims + d];
    }
    EXPECT_NEAR(s / frames, 0.0, 1e-5);
    EXPECT_NEAR(s2 / frames, 1.0, 1e-4);
  }
}

TEST(Cmvn, UtteranceAndGlobal) {
  const int dims = 13;
  auto a = RandomFeatures(500, dims, 1);
  auto u = a;
  ApplyUtteranceCmvn(u.data(), 500, dims);
  ExpectStandardised(u, 500, dims);

  std::vector<float> constant(10 * dims, 4.0f);  // zero variance: centred, not blown up
  ApplyUtteranceCmvn(constant.data(), 10, dims);
  for (float v : constant) EXPECT_EQ(v, 0.0f);

  auto b = RandomFeatures(300, dims, 2);
  GlobalCmvn g;
  g.Fit({a, b}, dims);
  EXPECT_EQ(g.frames(), 800);
  std::vector<float> both = a;
  both.insert(both.end(), b.begin(), b.end());
  g.Apply(both.data(), 800, dims);
  ExpectStandardised(both, 800, dims);

  testing::TempDir dir;
  const std::string path = dir.File("cmvn.json");
  g.Save(path);
  const GlobalCmvn loaded = GlobalCmvn::Load(path);
  EXPECT_EQ(loaded.mean(), g.mean());
  EXPECT_EQ(loaded.stddev(), g.stddev());
  EXPECT_THROW(loaded.Apply(both.data(), 10, dims + 1), UsageError);
  EXPECT_THROW(GlobalCmvn().Finalize(), UsageError);

  WriteStringAtomically(dir.File("bad.json"), "{\"dims\": 2, \"frames\": 1, \"mean\": [1], \"std\": [1, 1]}");
  EXPECT_THROW(GlobalCmvn::Load(dir.File("bad.json")), DataError);
  WriteStringAtomically(dir.File("broken.json"), "{\"dims\": ");
  EXPECT_THROW(GlobalCmvn::Load(dir.File("broken.json")), DataError);
  EXPECT_THROW(GlobalCmvn::Load(dir.File("missing.json")), DataError);
}

}  // namespace
}  // namespace merhan
