// The flags that say where a command's model comes from, shared by predict,
// eval and serve: --checkpoint FILE [--text-model-dir D] or --model DIR.
#pragma once

#include "merhan/runtime/model_directory.h"

namespace CLI {
class App;
}

namespace merhan::cli {

void AddModelSourceOptions(CLI::App* cmd, ModelSource* source);

}  // namespace merhan::cli
