// `merhan eval`: a checkpoint on its fold's test split, a manifest, or another config's test utterances.
#include <CLI/CLI.hpp>
#include <iostream>

#include "merhan/cli/cli.h"
#include "merhan/cli/model_options.h"
#include "merhan/runtime/inference.h"
#include "merhan/util/atomic_file.h"

namespace merhan::cli {

void AddEvalCommand(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("eval",
                         "evaluate a checkpoint on its fold's test split (from its own config), on a manifest, or on "
                         "another config's test utterances (cross-corpus): "
                         "WAR, UAR, macro/weighted F1, per-class precision/recall/F1, confusion matrix (JSON)");
  struct Args {
    ModelSource source;
    std::string manifest, config, device, output, predictions;
    bool no_calibration = false;
  };
  auto args = std::make_shared<Args>();
  AddModelSourceOptions(cmd, &args->source);
  auto* manifest =
      cmd->add_option("--manifest", args->manifest, "evaluate on this manifest instead of the fold's test split");
  cmd->add_option("--config,-c", args->config,
                  "evaluate on the utterances this config tests on (its data section: another corpus, or "
                  "data.corpora's test corpora), through the model's own features and classes")
      ->excludes(manifest);
  cmd->add_option("--device", args->device, "auto | cpu | cuda | cuda:N (default: the checkpoint's train.device)");
  cmd->add_option("--output,-o", args->output, "also write the metrics JSON to this file");
  cmd->add_option("--predictions", args->predictions, "write per-utterance predictions (CSV) to this file");
  cmd->add_flag("--no-calibration", args->no_calibration,
                "ignore the checkpoint's calibration temperature (raw probabilities and loss)");
  cmd->callback([args] {
    EvaluationResult result;
    LoadedModel loaded = LoadModelFromSource(args->source, args->device,
                                             args->no_calibration ? Calibration::kIgnore : Calibration::kApply);
    EvaluationData data;
    if (!args->manifest.empty()) data = {EvaluationData::Kind::kManifest, args->manifest};
    if (!args->config.empty()) data = {EvaluationData::Kind::kConfig, args->config};
    const nlohmann::json metrics = EvaluateLoadedModel(loaded, data, &result);
    const std::string text = metrics.dump(2) + "\n";
    if (!args->output.empty()) WriteStringAtomically(args->output, text);
    if (!args->predictions.empty()) {
      WriteStringAtomically(args->predictions,
                            result.PredictionsCsv(metrics.at("classes").get<std::vector<std::string>>()));
    }
    std::cout << text;
  });
}

}  // namespace merhan::cli
