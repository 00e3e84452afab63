// The flags that say where a command's model comes from, shared by predict,
// eval and serve: --checkpoint FILE [--text-model-dir D] [--speech-model-dir S=D] or
// --model DIR.
#pragma once

#include <map>
#include <string>

#include "merhan/runtime/model_directory.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace merhan::cli {

void AddModelSourceOptions(CLI::App* cmd, ModelSource* source);

// --speech-model-dir STREAM=DIR (repeatable) into `dirs`; UsageError for another form.
CLI::Option* AddSpeechModelDirOption(CLI::App* cmd, std::map<std::string, std::string>* dirs);

}  // namespace merhan::cli
