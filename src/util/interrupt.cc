#include "merhan/util/interrupt.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <mutex>

namespace merhan {
namespace {

std::atomic<int> g_signal{0};       // the first stop signal seen inside a scope
std::atomic<int> g_scope_depth{0};  // nesting of live StopScopes

constexpr int kExitAtOnce = 128 + SIGINT;

extern "C" void OnStopSignal(int sig) {
  if (g_scope_depth.load() == 0) {
    // Not in a loop that polls: behave as if no handler were installed.
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  int none = 0;
  if (g_signal.compare_exchange_strong(none, sig)) {
    static const char kMessage[] =
        "merhan: stop requested; finishing the current step and writing a checkpoint "
        "(Ctrl-C again to exit at once)\n";
    (void)!::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    return;
  }
  if (sig == SIGINT) ::_exit(kExitAtOnce);  // async-signal-safe; files are written atomically
}

void InstallHandlers() {
  struct sigaction action = {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // interrupted reads and writes resume instead of failing with EINTR
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

}  // namespace

StopScope::StopScope() {
  static std::once_flag installed;
  std::call_once(installed, InstallHandlers);
  g_scope_depth.fetch_add(1);
}

StopScope::~StopScope() { g_scope_depth.fetch_sub(1); }

bool StopRequested() { return g_signal.load() != 0; }

std::string StopSignalName() {
  switch (g_signal.load()) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    default: return "";
  }
}

void ClearStopRequest() { g_signal.store(0); }

}  // namespace merhan
