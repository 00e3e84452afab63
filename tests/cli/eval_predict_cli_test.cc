// Exit codes of `merhan eval`, `merhan predict` and `merhan train --resume` on
// bad input (the feature pipeline itself is wired by the data layer).
#include <gtest/gtest.h>

#include "merhan/util/atomic_file.h"
#include "test_util.h"

namespace merhan {
namespace {
using testing::MerhanBinary;
using testing::RunCommand;
using testing::TempDir;

TEST(EvalPredictCli, BadInputsAreDataErrorsNamingTheFile) {
  TempDir dir;
  WriteStringAtomically(dir.File("a.wav"), "RIFF....WAVE");
  WriteStringAtomically(dir.File("not.ckpt"), "hello");
  const std::string bin = MerhanBinary();

  auto r = RunCommand(bin + " eval --checkpoint " + dir.File("not.ckpt"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("not.ckpt"), std::string::npos) << r.output;

  r = RunCommand(bin + " predict --checkpoint " + dir.File("not.ckpt") + " --wav " + dir.File("missing.wav") +
                 " --text 'Wow. Very promising.'");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("missing.wav"), std::string::npos) << r.output;

  r = RunCommand(bin + " predict --checkpoint " + dir.File("not.ckpt") + " --wav " + dir.File("a.wav") +
                 " --text '  '");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("empty"), std::string::npos) << r.output;

  r = RunCommand(bin + " predict --checkpoint " + dir.File("not.ckpt") + " --wav " + dir.File("a.wav") +
                 " --transcript " + dir.File("nope.txt"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("nope.txt"), std::string::npos) << r.output;

  r = RunCommand(bin + " predict --checkpoint " + dir.File("not.ckpt") + " --wav " + dir.File("a.wav") + " --text hi");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("not a merhan checkpoint"), std::string::npos) << r.output;

  r = RunCommand(bin + " train --resume " + dir.File("no-such-run"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("no-such-run"), std::string::npos) << r.output;
}

TEST(EvalPredictCli, UsageErrors) {
  const std::string bin = MerhanBinary();
  EXPECT_EQ(RunCommand(bin + " eval").exit_code, 2);
  EXPECT_EQ(RunCommand(bin + " predict --checkpoint x.ckpt").exit_code, 2);
  EXPECT_EQ(RunCommand(bin + " predict --checkpoint x.ckpt --wav a.wav").exit_code, 2);
  EXPECT_EQ(RunCommand(bin + " predict --checkpoint x.ckpt --wav a.wav --text a --transcript t").exit_code, 2);
  EXPECT_EQ(RunCommand(bin + " train").exit_code, 2);
}

}  // namespace
}  // namespace merhan
