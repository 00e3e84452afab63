// util/interrupt: inside a StopScope, SIGTERM and SIGINT only set the stop flag.
// (What happens outside a scope, and a second SIGINT, end the process: those are
// tested from outside by tests/cli/crash_resume_test.cc.)
#include "merhan/util/interrupt.h"

#include <gtest/gtest.h>

#include <csignal>

namespace merhan {
namespace {

TEST(Interrupt, SignalsInsideAScopeOnlySetTheFlag) {
  ClearStopRequest();
  {
    StopScope scope;
    EXPECT_FALSE(StopRequested());
    std::raise(SIGTERM);
    EXPECT_TRUE(StopRequested());
    EXPECT_EQ(StopSignalName(), "SIGTERM");
    std::raise(SIGTERM);  // a repeated SIGTERM is not a reason to exit at once
    EXPECT_EQ(StopSignalName(), "SIGTERM");
  }
  ClearStopRequest();
  EXPECT_FALSE(StopRequested());
  EXPECT_EQ(StopSignalName(), "");
  {
    StopScope outer;
    StopScope inner;
    std::raise(SIGINT);
  }
  EXPECT_EQ(StopSignalName(), "SIGINT");
  ClearStopRequest();
}

TEST(Interrupt, InterruptedMapsToItsOwnExitCode) {
  const Interrupted e("stopped");
  EXPECT_EQ(static_cast<int>(e.code()), 75);
}

}  // namespace
}  // namespace merhan
