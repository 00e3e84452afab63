// What the harnesses share: a scratch folder per process for parsers that read files,
// inputs split into several files, and quiet logs. Header-only, so that a harness is
// one .cc for both the libFuzzer build (clang) and the corpus replay (replay_main.cc).
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "merhan/util/logging.h"

namespace merhan::fuzz {

// A fresh folder under $TMPDIR (or /tmp), removed when the process exits normally.
inline const std::string& ScratchDir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/merhan-fuzz-XXXXXX";
    if (!::mkdtemp(pattern.data())) std::abort();
    return pattern;
  }();
  static const bool cleanup = [] {
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(ScratchDir(), ec);
    });
    return true;
  }();
  (void)cleanup;
  return dir;
}

inline void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) std::abort();  // the scratch folder is ours: a failed write is the harness's bug
}

// Writes `bytes` to `path`, or removes `path` when the input has no such part.
inline void WriteOrRemove(const std::string& path, const std::vector<std::string>& parts, size_t i) {
  if (i < parts.size()) {
    WriteFile(path, parts[i]);
  } else {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
}

// The input cut at each line "=====" into at most `max_parts` parts (the last keeps the rest).
inline std::vector<std::string> SplitInput(const uint8_t* data, size_t size, size_t max_parts) {
  static const std::string kSeparator = "\n=====\n";
  const std::string all(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  size_t begin = 0;
  while (parts.size() + 1 < max_parts) {
    const size_t at = all.find(kSeparator, begin);
    if (at == std::string::npos) break;
    parts.push_back(all.substr(begin, at - begin));
    begin = at + kSeparator.size();
  }
  parts.push_back(all.substr(begin));
  return parts;
}

// Warnings about bad rows are expected by the thousand: keep stderr for sanitizer reports.
inline void QuietLogs() {
  static const bool once = (SetupLogging("off"), true);
  (void)once;
}

}  // namespace merhan::fuzz
