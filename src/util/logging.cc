#include "merhan/util/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "merhan/util/error.h"

namespace merhan {
namespace {

std::shared_ptr<spdlog::logger> Logger() {
  auto logger = spdlog::get("merhan");
  if (!logger) {
    logger = spdlog::stderr_color_mt("merhan");
    logger->set_pattern("[%H:%M:%S] %^%l%$ %v");
  }
  return logger;
}

}  // namespace

void SetupLogging(const std::string& level) {
  const auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    throw UsageError("--log-level: expected trace, debug, info, warn, error or off, got \"" + level + "\"");
  }
  Logger()->set_level(lvl);
}

namespace log {
void Debug(const std::string& m) { Logger()->debug(m); }
void Info(const std::string& m) { Logger()->info(m); }
void Warn(const std::string& m) { Logger()->warn(m); }
void Error(const std::string& m) { Logger()->error(m); }
bool DebugEnabled() { return Logger()->should_log(spdlog::level::debug); }
}  // namespace log

}  // namespace merhan
