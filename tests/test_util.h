// Helpers shared by the test binaries: where the sources, fixtures and the built
// program are, temporary directories, and running the CLI.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace merhan::testing {

inline std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

inline std::string SourceDir() { return EnvOr("MERHAN_SOURCE_DIR", MERHAN_SOURCE_DIR_DEFAULT); }
inline std::string FixtureDir() { return SourceDir() + "/tests/fixtures"; }
inline std::string BuildDir() { return EnvOr("MERHAN_BUILD_DIR", MERHAN_BUILD_DIR_DEFAULT); }
inline std::string MerhanBinary() { return EnvOr("MERHAN_BINARY", MERHAN_BINARY_DEFAULT); }
// The venv Python that has the reference packages (torchaudio, transformers, ...).
inline std::string PythonBinary() { return EnvOr("MERHAN_PYTHON", MERHAN_PYTHON_DEFAULT); }

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "merhan-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A file-size limit (RLIMIT_FSIZE) on this process for the object's lifetime, with
// SIGXFSZ ignored so that a write past it fails with EFBIG, as on a full disk. Lets
// tests write onto a "full filesystem" without root (no tmpfs to mount).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit r = old_;
    r.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &r);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  struct rlimit old_ {};
  void (*old_handler_)(int) = SIG_DFL;
};

// Names of the files in `dir` (not recursive), sorted.
inline std::vector<std::string> FileNames(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command, capturing its output and exit code.
CommandResult RunCommand(const std::string& command);

}  // namespace merhan::testing
