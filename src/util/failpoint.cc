#include "merhan/util/failpoint.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>

namespace merhan {
namespace {

struct FailpointSpec {
  std::string text;
  long count = 0;
  std::string action;
  bool enabled = false;
};

// Parsed once; a malformed value disables the failpoint rather than failing a
// command that has nothing to do with testing.
FailpointSpec ParseSpec() {
  FailpointSpec spec;
  const char* value = std::getenv("MERHAN_FAILPOINT");
  if (value == nullptr) return spec;
  const std::string s = value;
  const auto at = s.rfind('@');
  const auto eq = s.rfind('=');
  if (at == std::string::npos || eq == std::string::npos || eq < at) return spec;
  spec.text = s.substr(0, at);
  spec.count = std::strtol(s.substr(at + 1, eq - at - 1).c_str(), nullptr, 10);
  spec.action = s.substr(eq + 1);
  spec.enabled = !spec.text.empty() && spec.count > 0;
  return spec;
}

void Fire(const std::string& action) {
  if (action == "KILL") std::raise(SIGKILL);
  if (action == "TERM") std::raise(SIGTERM);
  if (action == "INT") std::raise(SIGINT);
  if (action == "STOP") std::raise(SIGSTOP);
  if (action == "INT2") {
    std::raise(SIGINT);
    std::raise(SIGINT);
  }
}

}  // namespace

void Failpoint(std::string_view name) {
  static const FailpointSpec spec = ParseSpec();
  static std::atomic<long> passes{0};
  if (!spec.enabled || name.find(spec.text) == std::string_view::npos) return;
  if (passes.fetch_add(1) + 1 == spec.count) Fire(spec.action);
}

}  // namespace merhan
