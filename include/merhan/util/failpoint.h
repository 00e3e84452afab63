// Failpoints: named places where a test can make the process signal itself.
//
// MERHAN_FAILPOINT=<text>@<n>=<action> fires the n-th time (1-based) the process
// passes a failpoint whose name contains <text>; <action> is KILL (SIGKILL: a
// crash), TERM (SIGTERM: pre-emption), INT (SIGINT), INT2 (SIGINT twice: the
// user insists) or STOP (SIGSTOP: the process pauses there until SIGCONT). The
// crash and signal tests use it to stop merhan at exact instants
// (tests/cli/crash_resume_test.cc); STOP lets a test act while the process is
// held at one (start a second process that must wait for a lock, lower its
// file-size limit). Unset, a failpoint costs one atomic load.
//
// Failpoints in the code: every atomic file write, between writing the
// temporary file and renaming it (named by the destination path), and
// "train-step" after each training step.
#pragma once

#include <string_view>

namespace merhan {

void Failpoint(std::string_view name);

}  // namespace merhan
