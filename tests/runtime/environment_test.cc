// Threads per rank: the cores of a node are shared among its data-parallel ranks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "merhan/runtime/environment.h"

namespace merhan {
namespace {

TEST(TorchThreads, CoresAreSharedAmongTheRanksOfANode) {
  if (std::getenv("OMP_NUM_THREADS")) GTEST_SKIP() << "OMP_NUM_THREADS decides";
  const int all = ResolveTorchThreads(0, 1);
  EXPECT_EQ(ResolveTorchThreads(0, 2), std::max(1, all / 2));
  EXPECT_EQ(ResolveTorchThreads(0, 1000), 1);
  EXPECT_EQ(ResolveTorchThreads(3, 2), 3);  // run.threads wins
}

}  // namespace
}  // namespace merhan
