// Shared by the CLI tests: the merhan command line, and the tiny synthetic corpus with a
// training config small enough to train a fold in seconds (quoting and reading files
// are test_util.h's). Header-only: the test CMake globs only *_test.cc.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace merhan::testing {

// The built merhan with `args` (already quoted where needed), for RunCommand.
inline std::string Merhan(const std::string& args) { return Quote(MerhanBinary()) + " " + args; }

// scripts/make_corpus --size tiny into `dir`/corpus (a copy of the build's shared
// generation, SharedTestCorpus); `flags` are further make_corpus flags.
inline CommandResult MakeTinyCorpus(const TempDir& dir, int seed, const std::string& flags = "") {
  return CopyTestCorpus("tiny", seed, flags, dir.File("corpus"));
}

// configs/demo.json on the corpus of MakeTinyCorpus, its cache in `dir`/cache, with small
// sizes and one thread, `changes` merged over it (JSON merge patch). One thread: ctest
// runs tests side by side, and OpenMP teams that share cores spin against each other
// (measured 30x slower).
inline nlohmann::json TinyTrainConfig(const TempDir& dir, const nlohmann::json& changes) {
  nlohmann::json config{{"extends", SourceDir() + "/configs/demo.json"},
                        {"data", {{"root", dir.File("corpus/IEMOCAP_full_release")}, {"cache_dir", dir.File("cache")}}},
                        {"model", {{"lstm_hidden", 16}, {"cma_dim", 16}}},
                        {"run", {{"threads", 1}}},
                        {"train", {{"epochs", 3}, {"patience", 0}, {"batch_size", 16}, {"num_workers", 1}}}};
  config.merge_patch(changes);
  return config;
}

}  // namespace merhan::testing
