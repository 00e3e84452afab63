// Synthetic corpora in the release layouts (scripts/make_corpus --layout <layout>
// --size tiny --seed 1), generated once per test binary and layout, with their ground
// truth, and the checks every release reader's test shares. Header-only: the test
// CMake globs only *_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/data/corpus.h"
#include "merhan/data/folds.h"
#include "merhan/util/error.h"
#include "test_util.h"

namespace merhan::testing {

// The folder make_corpus wrote `layout` into (holding ground_truth.jsonl). Generated once
// per build directory and generator version: <build>/test-layouts/<layout>-<hash of
// scripts/make_corpus and scripts/corpus_layouts.py>, written to a temp folder and
// renamed into place, so that ctest's one process per test and parallel runs share it
// (MELD's mp4s take seconds to make). Tests copy it before changing anything.
inline std::string LayoutDir(const std::string& layout) {
  namespace fs = std::filesystem;
  static std::map<std::string, std::string> dirs;
  auto& dir = dirs[layout];
  if (!dir.empty()) return dir;
  const std::string scripts =
      Slurp(SourceDir() + "/scripts/make_corpus") + Slurp(SourceDir() + "/scripts/corpus_layouts.py");
  const fs::path parent = fs::path(BuildDir()) / "test-layouts";
  const fs::path final_dir = parent / (layout + "-" + std::to_string(std::hash<std::string>{}(scripts)));
  std::error_code ec;
  if (!fs::is_regular_file(final_dir / "ground_truth.jsonl", ec)) {
    fs::create_directories(parent);
    const fs::path tmp = parent / (layout + ".tmp." + std::to_string(::getpid()));
    fs::remove_all(tmp, ec);
    const std::string command = PythonBinary() + " " + SourceDir() + "/scripts/make_corpus --layout " + layout +
                                " --size tiny --seed 1 --out " + tmp.string();
    const CommandResult r = RunCommand(command);
    if (r.exit_code != 0) ADD_FAILURE() << command << " failed:\n" << r.output;
    fs::rename(tmp, final_dir, ec);  // another process may have won: its copy is the same
    fs::remove_all(tmp, ec);
  }
  dir = final_dir.string();
  return dir;
}

inline std::vector<nlohmann::json> LayoutTruth(const std::string& layout) {
  std::ifstream in(LayoutDir(layout) + "/ground_truth.jsonl");
  std::vector<nlohmann::json> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  }
  return rows;
}

inline DataOptions LayoutOptions(const std::string& format, const std::string& root) {
  DataOptions o;
  o.format = format;
  o.root = root;
  return o;
}

inline std::map<std::string, const Utterance*> ById(const Corpus& corpus) {
  std::map<std::string, const Utterance*> by_id;
  for (const auto& u : corpus.utterances) by_id[u.id] = &u;
  EXPECT_EQ(by_id.size(), corpus.utterances.size()) << "duplicate ids";
  return by_id;
}

inline bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The reader against ground truth under the 4-class map `index` (code -> class): kept,
// dropped (counted per code) and left out (counted per reason) exactly as the truth says.
inline void ExpectMatchesTruth(const Corpus& corpus, const std::vector<nlohmann::json>& truth,
                               const std::map<std::string, int>& index) {
  const auto by_id = ById(corpus);
  std::map<std::string, int> dropped, left_out;
  std::vector<int> per_class(corpus.counts.classes.size(), 0);
  for (const auto& t : truth) {
    const std::string id = t["id"], code = t["code"];
    if (!index.count(code)) {
      ++dropped[code];
      EXPECT_FALSE(by_id.count(id)) << id << " has code " << code << " and must be dropped";
      continue;
    }
    if (!t["left_out"].is_null()) {
      ++left_out[t["left_out"].get<std::string>()];
      EXPECT_FALSE(by_id.count(id)) << id << " must be left out: " << t["left_out"];
      continue;
    }
    ASSERT_TRUE(by_id.count(id)) << "reader lost " << id;
    const Utterance& u = *by_id.at(id);
    EXPECT_EQ(u.code, code) << id;
    EXPECT_EQ(u.label, index.at(code)) << id;
    ++per_class[static_cast<size_t>(index.at(code))];
    EXPECT_EQ(u.speaker, t["speaker"].get<std::string>()) << id;
    EXPECT_EQ(u.split, t["split"].get<std::string>()) << id;
    EXPECT_EQ(u.text, t["text"].get<std::string>()) << id;
    EXPECT_TRUE(EndsWith(u.wav_path, t["wav"].get<std::string>())) << u.wav_path << " vs " << t["wav"];
    EXPECT_FALSE(u.origin.empty()) << id;
  }
  EXPECT_EQ(corpus.counts.per_class, per_class);
  const std::map<std::string, int> found_dropped(corpus.counts.dropped.begin(), corpus.counts.dropped.end());
  EXPECT_EQ(found_dropped, dropped);
  EXPECT_EQ(corpus.left_out_counts, left_out);
  size_t kept = 0;
  for (int n : per_class) kept += static_cast<size_t>(n);
  EXPECT_EQ(corpus.utterances.size(), kept);
}

// Independent of AssertSpeakerDisjoint: recomputes each split's speakers.
inline void ExpectSpeakerDisjoint(const std::vector<Fold>& folds, const std::vector<Utterance>& u) {
  ASSERT_FALSE(folds.empty());
  for (const auto& f : folds) {
    std::map<std::string, std::string> split_of;
    for (const auto& [name, indices] :
         {std::pair<const char*, const std::vector<int64_t>*>{"train", &f.train}, {"val", &f.val}, {"test", &f.test}}) {
      for (int64_t i : *indices) {
        const auto [it, inserted] = split_of.emplace(u[static_cast<size_t>(i)].speaker, name);
        EXPECT_TRUE(inserted || it->second == name)
            << f.name << ": " << it->first << " in " << it->second << " and " << name;
      }
    }
    EXPECT_FALSE(f.train.empty()) << f.name;
    EXPECT_FALSE(f.test.empty()) << f.name;
    EXPECT_NO_THROW(AssertSpeakerDisjoint(f, u));
  }
}

// Copies `layout`'s release folder `sub` into `dest`, so that a test can edit it
// (audio linked, not copied).
inline std::string CopyLayout(const std::string& layout, const std::string& sub, const std::string& dest) {
  namespace fs = std::filesystem;
  const fs::path from = fs::path(LayoutDir(layout)) / sub, to = fs::path(dest) / sub;
  fs::create_directories(to);
  for (const auto& e : fs::recursive_directory_iterator(from)) {
    const fs::path target = to / fs::relative(e.path(), from);
    if (e.is_directory()) {
      fs::create_directories(target);
    } else {
      fs::create_symlink(e.path(), target);
    }
  }
  return to.string();
}

// Replaces `path` (a link into the shared copy, after CopyLayout) by a file holding `text`.
inline void Rewrite(const std::string& path, const std::string& text) {
  std::filesystem::remove(path);
  std::ofstream(path, std::ios::binary) << text;
}

// `text` with its first occurrence of `from` replaced by `to` (the test fails when absent).
inline std::string ReplaceOnce(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// Runs `read` and expects a DataError whose message holds every one of `parts`.
template <typename F>
void ExpectDataError(F read, const std::vector<std::string>& parts) {
  try {
    read();
    ADD_FAILURE() << "expected a DataError holding " << parts.front();
  } catch (const DataError& e) {
    for (const auto& p : parts)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what() << "\nmissing: " << p;
  }
}

}  // namespace merhan::testing
