// Shared by the CLI tests: quoting, the merhan command line, reading what a run
// wrote. Header-only: the test CMake globs only *_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace merhan::testing {

inline std::string Quote(const std::string& s) { return "'" + s + "'"; }

// The built merhan with `args` (already quoted where needed), for RunCommand.
inline std::string Merhan(const std::string& args) { return Quote(MerhanBinary()) + " " + args; }

// The whole file; a test failure when it cannot be read.
inline std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline nlohmann::json ReadJson(const std::string& path) { return nlohmann::json::parse(Slurp(path)); }

// The single run directory under `parent` (runs/<run.name>/<timestamp>).
inline std::string OnlyRun(const std::string& parent) {
  std::vector<std::string> dirs;
  for (const auto& e : std::filesystem::directory_iterator(parent)) dirs.push_back(e.path().string());
  EXPECT_EQ(dirs.size(), 1u) << parent;
  return dirs.empty() ? "" : dirs.front();
}

}  // namespace merhan::testing
