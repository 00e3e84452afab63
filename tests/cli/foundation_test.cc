// The CLI surface of the foundation: --version, --help, config errors and exit codes.
#include <gtest/gtest.h>

#include <fstream>

#include "cli_test_util.h"

namespace merhan {
namespace {

using testing::Merhan;
using testing::RunCommand;

TEST(Cli, VersionShowsLibTorchBlasThreadsAndDevices) {
  const auto r = RunCommand(Merhan("--version"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("LibTorch 2."), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("BLAS: "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("BLAS: unknown"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Threads: intra-op "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("CUDA: built "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("git "), std::string::npos) << r.output;
}

TEST(Cli, HelpListsSubcommands) {
  const auto r = RunCommand(Merhan("--help"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* sub : {"train", "config"}) {
    EXPECT_NE(r.output.find(sub), std::string::npos) << sub << "\n" << r.output;
  }
  const auto t = RunCommand(Merhan("train --help"));
  EXPECT_EQ(t.exit_code, 0);
  EXPECT_NE(t.output.find("--set"), std::string::npos) << t.output;
}

TEST(Cli, UnknownSetKeyExits2AndSuggests) {
  testing::TempDir dir;
  std::ofstream(dir.File("c.json")) << R"({"data": {"root": "corpus"}, "train": {"epochs": 1}})";
  const auto r = RunCommand(Merhan("train --config " + dir.File("c.json") + " --set train.lrr=1"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("train.lrr"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("train.lr'"), std::string::npos) << r.output;
}

TEST(Cli, ConfigFileErrorsNameFileAndKey) {
  testing::TempDir dir;
  std::ofstream(dir.File("base.json")) << R"({"data": {"root": "corpus"}})";
  std::ofstream(dir.File("c.json")) << R"({"extends": "base.json", "model": {"fusion": {"combine": "mul"}}})";
  auto r = RunCommand(Merhan("config --config " + dir.File("c.json")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("c.json: model.fusion.combine: expected one of add, concat"), std::string::npos) << r.output;

  std::ofstream(dir.File("d.json")) << R"({"extends": "base.json", "train": {"batch_size": 0}})";
  r = RunCommand(Merhan("config --config " + dir.File("d.json")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("train.batch_size: must be >= 1"), std::string::npos) << r.output;

  r = RunCommand(Merhan("config --config " + dir.File("missing.json")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("missing.json"), std::string::npos) << r.output;

  r = RunCommand(Merhan("no-such-command"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST(Cli, ResolvedConfigAppliesExtendsAndOverridesInOrder) {
  testing::TempDir dir;
  std::ofstream(dir.File("base.json")) << R"({"data": {"root": "corpus"}, "train": {"lr": 0.1, "epochs": 3}})";
  std::ofstream(dir.File("c.json")) << R"({"extends": "base.json", "train": {"lr": 0.01}})";
  const auto r = RunCommand(Merhan("config --config " + dir.File("c.json") + " --set train.epochs=7"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"lr\": 0.01"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"epochs\": 7"), std::string::npos) << r.output;
  // Relative data paths are resolved against the file that set them.
  EXPECT_NE(r.output.find(dir.path() + "/corpus"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace merhan
