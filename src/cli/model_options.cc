#include "merhan/cli/model_options.h"

#include <CLI/CLI.hpp>

namespace merhan::cli {

void AddModelSourceOptions(CLI::App* cmd, ModelSource* source) {
  auto* checkpoint = cmd->add_option("--checkpoint", source->checkpoint, "checkpoint file (best.ckpt)");
  auto* model = cmd->add_option("--model", source->model_dir, "exported model directory (merhan export)");
  auto* text = cmd->add_option("--text-model-dir", source->text_model_dir,
                               "with --checkpoint: where the text encoder it was trained with is now (accepted "
                               "when its files match the checkpoint's record)");
  checkpoint->excludes(model);
  text->needs(checkpoint);
  // CLI11 cannot require one of two options; LoadModelFromSource says so (exit 2).
}

}  // namespace merhan::cli
