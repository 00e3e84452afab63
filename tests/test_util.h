// Helpers shared by the test binaries: where the sources, fixtures and the built
// program are, temporary directories, and running the CLI.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

// Single-quoted for the shell (the paths tests make hold no quote).
inline std::string Quote(const std::string& s) { return "'" + s + "'"; }

// A whole file; "" when it cannot be read.
inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A JSON file, parsed; an exception naming the path when it is missing or malformed.
inline nlohmann::json ReadJson(const std::string& path) {
  try {
    return nlohmann::json::parse(Slurp(path));
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

// A JSON Lines file: one parsed value per non-empty line.
inline std::vector<nlohmann::json> ReadJsonLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  }
  return rows;
}

// The single entry of `parent` (a run directory under <out_dir>/<run name>); a test
// failure and "" when there is none or more than one.
std::string OnlyRun(const std::string& parent);

// A synthetic corpus of scripts/make_corpus (`--size SIZE --seed SEED FLAGS`),
// generated once for every test process of the build: into
// <build>/test-corpora/<size>-<seed>-<hash of the script and flags>, under a file
// lock, renamed into place when complete. make_corpus is deterministic by seed, so
// every test sees the files a fresh generation would write; tests must treat the
// folder as read-only (CopyTinyCorpus / CopyTestCorpus for a private copy). Fails
// the test (and returns "") when make_corpus fails.
std::string SharedTestCorpus(const std::string& size, int seed, const std::string& flags = "");
// A private copy of SharedTestCorpus in `dest` (created), for tests that change files.
CommandResult CopyTestCorpus(const std::string& size, int seed, const std::string& flags, const std::string& dest);

// A command running in the background as `sh -c 'exec COMMAND > LOG 2>&1'`: the
// process is the command itself, so that a test can signal it, see it stopped at a
// failpoint (MERHAN_FAILPOINT=...=STOP) and collect its exit code. Killed (SIGKILL)
// and reaped when the object dies while it still runs.
class Process {
 public:
  Process(const std::string& command, const std::string& log);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool Running();
  // Waits until the process has stopped itself (SIGSTOP); false when it exited
  // or `seconds` passed first.
  bool WaitUntilStopped(double seconds = 60);
  // Waits until its log holds `text`; false when it exited or `seconds` passed first.
  bool WaitForLog(const std::string& text, double seconds = 60);
  void Signal(int signal);
  // Its exit code (128 + the signal that ended it), once it has ended.
  int Wait();
  std::string Log() const { return Slurp(log_); }

 private:
  void Ended(int status);
  std::string log_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
};

}  // namespace merhan::testing
