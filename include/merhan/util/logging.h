// Logging: spdlog to stderr behind a small interface. spdlog itself is only
// included in logging.cc, because LibTorch's wheel ships fmt headers newer than
// the fmt Debian's spdlog is built against, and torch translation units see them
// first on the include path.
#pragma once

#include <sstream>
#include <string>

namespace merhan {

// "trace" | "debug" | "info" | "warn" | "error" | "off". Throws UsageError otherwise.
void SetupLogging(const std::string& level);

namespace log {
void Debug(const std::string& message);
void Info(const std::string& message);
void Warn(const std::string& message);
void Error(const std::string& message);
bool DebugEnabled();
}  // namespace log

// Concatenates anything streamable: log::Info(Cat("epoch ", e, " loss ", loss)).
template <typename... Args>
std::string Cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

}  // namespace merhan
