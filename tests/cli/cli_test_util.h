// Shared by the CLI tests: the merhan command line (quoting and reading files are
// test_util.h's). Header-only: the test CMake globs only *_test.cc.
#pragma once

#include <string>

#include "test_util.h"

namespace merhan::testing {

// The built merhan with `args` (already quoted where needed), for RunCommand.
inline std::string Merhan(const std::string& args) { return Quote(MerhanBinary()) + " " + args; }

}  // namespace merhan::testing
