// Cooperative stop on SIGTERM and SIGINT (docs/design.md §7).
//
// Inside a StopScope (the training loop) the first SIGTERM or SIGINT only sets a
// flag: the loop finishes the step it is in, writes a resumable checkpoint and
// throws Interrupted (exit 75). A second SIGINT exits at once with 130; nothing
// is left half written, because every file goes through WriteFileAtomically.
// Outside any StopScope the signals keep their default action (the process ends),
// so a stop request never waits for work that cannot stop early.
#pragma once

#include <string>

#include "merhan/util/error.h"

namespace merhan {

class StopScope {
 public:
  StopScope();
  ~StopScope();
  StopScope(const StopScope&) = delete;
  StopScope& operator=(const StopScope&) = delete;
};

// True once SIGTERM or SIGINT arrived inside a StopScope.
bool StopRequested();
// "SIGTERM" or "SIGINT"; empty when no stop was requested.
std::string StopSignalName();
// Forgets a request (tests, and a process that handled one and goes on).
void ClearStopRequest();

// Raised where a stop request was honoured; maps to ExitCode::kInterrupted.
class Interrupted : public Error {
 public:
  explicit Interrupted(const std::string& message) : Error(ExitCode::kInterrupted, message) {}
};

}  // namespace merhan
