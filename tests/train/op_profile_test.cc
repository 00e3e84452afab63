// The op profile: self time from nested intervals (hand-computed cases), and a real
// LibTorch profile of a few matmuls that finds them.
#include "merhan/train/op_profile.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

namespace merhan {
namespace {

std::map<std::string, OpTime> ByName(const std::vector<OpTime>& ops) {
  std::map<std::string, OpTime> m;
  for (const auto& op : ops) m[op.name] = op;
  return m;
}

TEST(OpProfile, SelfTimeSubtractsDirectChildrenOnly) {
  // Thread 1: A [0,100] holds B [10,40] and C [50,90]; C holds D [60,70].
  // Thread 2: a second A [0,20] that overlaps thread 1 in time but is not its child.
  const auto ops = ByName(
      SummarizeEvents({{"C", 1, 50, 90}, {"A", 1, 0, 100}, {"D", 1, 60, 70}, {"B", 1, 10, 40}, {"A", 2, 0, 20}}));
  EXPECT_EQ(ops.at("A").calls, 2);
  EXPECT_NEAR(ops.at("A").self_seconds, (30 + 20) * 1e-9, 1e-15);
  EXPECT_NEAR(ops.at("A").total_seconds, (100 + 20) * 1e-9, 1e-15);
  EXPECT_NEAR(ops.at("B").self_seconds, 30e-9, 1e-15);
  EXPECT_NEAR(ops.at("C").self_seconds, 30e-9, 1e-15);
  EXPECT_NEAR(ops.at("D").self_seconds, 10e-9, 1e-15);
  // Sorted by self time, largest first.
  const auto sorted = SummarizeEvents({{"small", 1, 0, 5}, {"big", 1, 10, 100}});
  ASSERT_EQ(sorted.size(), 2u);
  EXPECT_EQ(sorted[0].name, "big");
}

TEST(OpProfile, ProfilesRealOpsOnThisThread) {
  const auto a = torch::randn({256, 256});
  OpProfiler profiler;
  for (int i = 0; i < 3; ++i) (void)torch::mm(a, a).sum();
  const OpProfile profile = profiler.Stop(3);
  const auto ops = ByName(profile.ops);
  ASSERT_TRUE(ops.count("aten::mm")) << profile.ToMarkdown();
  EXPECT_EQ(ops.at("aten::mm").calls, 3);
  EXPECT_GT(ops.at("aten::mm").self_seconds, 0);
  EXPECT_LE(ops.at("aten::mm").total_seconds, profile.wall_seconds);
  EXPECT_NE(profile.ToMarkdown().find("| aten::mm | 3 |"), std::string::npos) << profile.ToMarkdown();
}

}  // namespace
}  // namespace merhan
