// `merhan export`: a checkpoint as a portable model directory (runtime/model_directory.h).
#include <CLI/CLI.hpp>
#include <iostream>

#include "merhan/cli/cli.h"
#include "merhan/cli/model_options.h"
#include "merhan/runtime/model_directory.h"

namespace merhan::cli {

void AddExportCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "export",
      "write a checkpoint as a self-contained model directory (weights as safetensors, config, labels, "
      "normalisation statistics, the text encoder's files, model.json with SHA-256 of every file) that "
      "predict, eval and serve load with --model");
  struct Args {
    std::string checkpoint, out, text_model_dir;
    std::map<std::string, std::string> speech_model_dirs;
    bool replace = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--checkpoint", args->checkpoint, "checkpoint file (best.ckpt)")->required();
  cmd->add_option("--out", args->out, "model directory to create (must not exist unless --replace)")->required();
  cmd->add_option("--text-model-dir", args->text_model_dir,
                  "where the text encoder the checkpoint was trained with is now, if it moved");
  AddSpeechModelDirOption(cmd, &args->speech_model_dirs);
  cmd->add_flag("--replace", args->replace,
                "replace an existing model directory at --out, in one step once the new one is complete");
  cmd->callback([args] {
    const nlohmann::json model =
        ExportModelDirectory(args->checkpoint, args->out, args->text_model_dir,
                             args->replace ? ExistingOutput::kReplace : ExistingOutput::kRefuse, args->speech_model_dirs);
    std::cout << "exported " << args->checkpoint << " to " << args->out << " (" << model["files"].size() << " files)\n";
  });
}

}  // namespace merhan::cli
