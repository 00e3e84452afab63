// Generated test inputs shared by every test process of a build (ctest runs each test
// in its own process). Defined in test_util.cc; a header of its own so that tests
// which do not use it do not recompile when it changes.
#pragma once

#include <string>

namespace merhan::testing {

// The folder `python SCRIPT ARGS --out DIR` writes (SCRIPT relative to the source
// tree), generated once for every test process of the build: into
// <build>/<parent>/<name>-<hash of the script and ARGS>, under a file lock, renamed
// into place when complete. Tests must treat it as read-only. Fails the test (and
// returns "") when the script fails.
std::string SharedGeneratedDir(const std::string& parent, const std::string& name, const std::string& script,
                               const std::string& args);

}  // namespace merhan::testing
