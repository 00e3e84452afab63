// The `tiny` synthetic corpus (scripts/make_corpus --size tiny --seed 1), generated
// once per build for every test process (SharedTestCorpus), and its ground truth. Header-only: the test
// CMake globs only *_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace merhan::testing {

// The folder holding IEMOCAP_full_release/ and ground_truth.jsonl (read-only).
// Generated on first use in the build (a few seconds); fails the test if
// make_corpus fails.
inline const std::string& TinyCorpusDir() {
  static const std::string path = SharedTestCorpus("tiny", 1);
  return path;
}

// ground_truth.jsonl: one object per labelled utterance (every code).
inline std::vector<nlohmann::json> TinyGroundTruth() {
  std::ifstream in(TinyCorpusDir() + "/ground_truth.jsonl");
  std::vector<nlohmann::json> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  }
  return rows;
}

// Copies the tiny corpus's label and transcript files into `dest` and links its wav
// folders, so that a test can corrupt text files without touching the shared copy.
inline void CopyTinyCorpus(const std::string& dest) {
  namespace fs = std::filesystem;
  const fs::path src = fs::path(TinyCorpusDir()) / "IEMOCAP_full_release";
  const fs::path dst = fs::path(dest) / "IEMOCAP_full_release";
  for (int s = 1; s <= 5; ++s) {
    const std::string session = "Session" + std::to_string(s);
    fs::create_directories(dst / session / "sentences");
    fs::create_directory_symlink(src / session / "sentences" / "wav", dst / session / "sentences" / "wav");
    fs::copy(src / session / "dialog", dst / session / "dialog", fs::copy_options::recursive);
  }
}

}  // namespace merhan::testing
