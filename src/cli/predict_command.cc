// `merhan predict`: the emotion of a wav + transcript (or of every row of a
// manifest), with every class probability, as JSON.
#include <CLI/CLI.hpp>
#include <iostream>

#include "merhan/cli/cli.h"
#include "merhan/cli/model_options.h"
#include "merhan/runtime/inference.h"
#include "merhan/util/atomic_file.h"
#include "merhan/util/error.h"

namespace merhan::cli {

void AddPredictCommand(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("predict",
                         "predict the emotion of a wav and its transcript (or of each row of a manifest); prints JSON "
                         "with the label and every class probability (one object per line for a manifest)");
  struct Args {
    ModelSource source;
    std::string wav, text, transcript, manifest, device;
    bool no_calibration = false;
  };
  auto args = std::make_shared<Args>();
  AddModelSourceOptions(cmd, &args->source);
  auto* wav = cmd->add_option("--wav", args->wav, "audio file");
  auto* text = cmd->add_option("--text", args->text, "transcript of the wav");
  auto* transcript = cmd->add_option("--transcript", args->transcript, "file holding the transcript of the wav");
  auto* manifest = cmd->add_option("--manifest", args->manifest, "predict every row of this manifest");
  cmd->add_option("--device", args->device, "auto | cpu | cuda | cuda:N (default: the checkpoint's train.device)");
  cmd->add_flag("--no-calibration", args->no_calibration,
                "ignore the checkpoint's calibration temperature (raw probabilities)");
  text->excludes(transcript);
  manifest->excludes(wav)->excludes(text)->excludes(transcript);
  cmd->callback([args] {
    CheckModelSource(args->source);  // usage errors before data errors
    if (args->manifest.empty()) {
      if (args->wav.empty()) throw UsageError("predict: give --wav with --text or --transcript, or --manifest");
      // A published speech classifier reads no text; every merhan model takes one.
      const TranscriptUse transcript =
          IsPublishedSpeechClassifier(args->source) ? TranscriptUse::kUnused : TranscriptUse::kRequired;
      if (transcript == TranscriptUse::kRequired && args->text.empty() && args->transcript.empty()) {
        throw UsageError("predict: give the transcript of " + args->wav + " with --text or --transcript");
      }
      InferenceInput input{args->wav, args->wav, args->text};
      if (!args->transcript.empty()) input.text = ReadFileToString(args->transcript);
      ValidateInferenceInput(input, transcript);  // before the (slower) model load
      LoadedModel loaded = LoadModelFromSource(args->source, args->device,
                                               args->no_calibration ? Calibration::kIgnore : Calibration::kApply);
      std::cout << PredictInputs(loaded, {input}).at(0).dump(2) << "\n";
      return;
    }
    LoadedModel loaded = LoadModelFromSource(args->source, args->device,
                                             args->no_calibration ? Calibration::kIgnore : Calibration::kApply);
    PredictManifest(loaded, args->manifest, [](const nlohmann::json& j) { std::cout << j.dump() << "\n"; });
  });
}

}  // namespace merhan::cli
