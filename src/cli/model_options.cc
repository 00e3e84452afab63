#include "merhan/cli/model_options.h"

#include <CLI/CLI.hpp>

#include "merhan/util/error.h"

namespace merhan::cli {

CLI::Option* AddSpeechModelDirOption(CLI::App* cmd, std::map<std::string, std::string>* dirs) {
  return cmd->add_option_function<std::vector<std::string>>(
      "--speech-model-dir",
      [dirs](const std::vector<std::string>& values) {
        for (const std::string& v : values) {
          const size_t eq = v.find('=');
          if (eq == 0 || eq == std::string::npos || eq + 1 == v.size()) {
            throw UsageError("--speech-model-dir " + v + ": expected STREAM=DIR (e.g. wavlm=/models/wavlm-base-plus)");
          }
          (*dirs)[v.substr(0, eq)] = v.substr(eq + 1);
        }
      },
      "with --checkpoint: STREAM=DIR, where the speech encoder of that speech-encoder stream is now (accepted when "
      "its files match the checkpoint's record); repeatable");
}

void AddModelSourceOptions(CLI::App* cmd, ModelSource* source) {
  auto* checkpoint = cmd->add_option("--checkpoint", source->checkpoint, "checkpoint file (best.ckpt)");
  auto* model = cmd->add_option("--model", source->model_dir, "exported model directory (merhan export)");
  auto* text = cmd->add_option("--text-model-dir", source->text_model_dir,
                               "with --checkpoint: where the text encoder it was trained with is now (accepted "
                               "when its files match the checkpoint's record)");
  auto* speech = AddSpeechModelDirOption(cmd, &source->speech_model_dirs);
  checkpoint->excludes(model);
  text->needs(checkpoint);
  speech->needs(checkpoint);
  // CLI11 cannot require one of two options; LoadModelFromSource says so (exit 2).
}

}  // namespace merhan::cli
