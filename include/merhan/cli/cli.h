// The command-line front end: wires options to library calls, nothing more.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace merhan::cli {

// Runs the merhan CLI and returns the process exit code (README "Exit codes").
int Run(int argc, char** argv);

// Each subcommand lives in its own file and adds itself to the app. Callbacks
// throw merhan::Error subclasses; Run() maps them to exit codes.
void AddConfigCommand(CLI::App& app);
void AddTrainCommand(CLI::App& app);
void AddTokenizeCommand(CLI::App& app);
void AddEmbedTextCommand(CLI::App& app);
void AddEmbedSpeechCommand(CLI::App& app);
void AddFeaturesCommand(CLI::App& app);
void AddEvalCommand(CLI::App& app);
void AddPredictCommand(CLI::App& app);
void AddMfccCommand(CLI::App& app);
void AddCompareCommand(CLI::App& app);
void AddReportCommand(CLI::App& app);
void AddExportCommand(CLI::App& app);
void AddServeCommand(CLI::App& app);

// The original command line, for run directories.
const std::vector<std::string>& CommandLine();

}  // namespace merhan::cli
