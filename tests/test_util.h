// Helpers shared by the test binaries: where the sources, fixtures and the built
// program are, temporary directories, and running the CLI.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace merhan::testing {

inline std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// Defaults compiled in by tests/CMakeLists.txt; the environment overrides them.
#ifndef MERHAN_TEST_SOURCE_DIR
#define MERHAN_TEST_SOURCE_DIR "."
#endif
#ifndef MERHAN_TEST_BINARY
#define MERHAN_TEST_BINARY "merhan"
#endif
#ifndef MERHAN_TEST_PYTHON
#define MERHAN_TEST_PYTHON "python3"
#endif

inline std::string SourceDir() { return EnvOr("MERHAN_SOURCE_DIR", MERHAN_TEST_SOURCE_DIR); }
inline std::string FixtureDir() { return SourceDir() + "/tests/fixtures"; }
inline std::string MerhanBinary() { return EnvOr("MERHAN_BINARY", MERHAN_TEST_BINARY); }
inline std::string PythonBinary() { return EnvOr("MERHAN_PYTHON", MERHAN_TEST_PYTHON); }

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

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command, capturing its output and exit code.
CommandResult RunCommand(const std::string& command);

}  // namespace merhan::testing
