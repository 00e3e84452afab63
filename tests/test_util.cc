#include "test_util.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <thread>

#include <filesystem>

#include "merhan/util/file_lock.h"
#include "merhan/util/hash.h"
#include "shared_generated_dir.h"

extern char** environ;

namespace merhan::testing {

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string OnlyRun(const std::string& parent) {
  std::vector<std::string> dirs;
  std::error_code ec;
  if (std::filesystem::is_directory(parent, ec)) {
    for (const auto& e : std::filesystem::directory_iterator(parent)) dirs.push_back(e.path().string());
  }
  EXPECT_EQ(dirs.size(), 1u) << parent;
  return dirs.size() == 1 ? dirs.front() : "";
}

Process::Process(const std::string& command, const std::string& log) : log_(log) {
  const std::string line = "exec " + command + " > " + Quote(log) + " 2>&1";
  const char* argv[] = {"sh", "-c", line.c_str(), nullptr};
  if (::posix_spawnp(&pid_, "sh", nullptr, nullptr, const_cast<char**>(argv), environ) != 0) pid_ = -1;
  exited_ = pid_ <= 0;
}

Process::~Process() {
  if (exited_) return;
  ::kill(pid_, SIGKILL);
  Wait();
}

void Process::Ended(int status) {
  exited_ = true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool Process::Running() {
  int status = 0;
  if (!exited_ && ::waitpid(pid_, &status, WNOHANG) == pid_) Ended(status);
  return !exited_;
}

bool Process::WaitUntilStopped(double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!exited_ && std::chrono::steady_clock::now() < until) {
    int status = 0;
    const pid_t got = ::waitpid(pid_, &status, WNOHANG | WUNTRACED);
    if (got == pid_ && WIFSTOPPED(status)) return true;
    if (got == pid_) Ended(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool Process::WaitForLog(const std::string& text, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (Log().find(text) != std::string::npos) return true;
    if (!Running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void Process::Signal(int signal) {
  if (!exited_) ::kill(pid_, signal);
}

int Process::Wait() {
  int status = 0;
  while (!exited_) {
    const pid_t got = ::waitpid(pid_, &status, 0);
    if (got == pid_) Ended(status);
    if (got < 0 && errno != EINTR) break;
  }
  return exit_code_;
}

std::string SharedGeneratedDir(const std::string& parent, const std::string& name, const std::string& script,
                               const std::string& args) {
  namespace fs = std::filesystem;
  const std::string path = SourceDir() + "/" + script;
  const uint64_t key = Hash64(Slurp(path) + "\n" + args);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(key));
  const fs::path root = fs::path(BuildDir()) / parent;
  const fs::path final_dir = root / (name + "-" + hex);
  fs::create_directories(root);
  const FileLock lock = FileLock::Acquire((root / (final_dir.filename().string() + ".lock")).string());
  if (fs::exists(final_dir)) return final_dir.string();  // renamed into place only when complete
  const fs::path partial = final_dir.string() + ".partial";
  fs::remove_all(partial);
  const CommandResult r =
      RunCommand(Quote(PythonBinary()) + " " + Quote(path) + " " + args + " --out " + Quote(partial.string()));
  if (r.exit_code != 0) {
    ADD_FAILURE() << script << " failed:\n" << r.output;
    return "";
  }
  fs::rename(partial, final_dir);
  return final_dir.string();
}

std::string SharedTestCorpus(const std::string& size, int seed, const std::string& flags) {
  return SharedGeneratedDir("test-corpora", size + "-" + std::to_string(seed), "scripts/make_corpus",
                            "--size " + size + " --seed " + std::to_string(seed) + " " + flags);
}

CommandResult CopyTestCorpus(const std::string& size, int seed, const std::string& flags, const std::string& dest) {
  const std::string shared = SharedTestCorpus(size, seed, flags);
  if (shared.empty()) return {1, "make_corpus failed"};
  return RunCommand("mkdir -p " + Quote(dest) + " && cp -R " + Quote(shared) + "/. " + Quote(dest));
}

}  // namespace merhan::testing
