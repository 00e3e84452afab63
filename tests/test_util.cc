#include "test_util.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>

#ifndef MERHAN_TEST_SOURCE_DIR
#define MERHAN_TEST_SOURCE_DIR "."
#endif
#ifndef MERHAN_TEST_BINARY
#define MERHAN_TEST_BINARY "merhan"
#endif
#ifndef MERHAN_TEST_PYTHON
#define MERHAN_TEST_PYTHON "python3"
#endif

namespace merhan::testing {

std::string BuildDefault(const std::string& name) {
  if (name == "MERHAN_SOURCE_DIR") return MERHAN_TEST_SOURCE_DIR;
  if (name == "MERHAN_BINARY") return MERHAN_TEST_BINARY;
  if (name == "MERHAN_PYTHON") return MERHAN_TEST_PYTHON;
  return "";
}

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

}  // namespace merhan::testing
