#include "merhan/cli/cli.h"

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "merhan/runtime/environment.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan::cli {
namespace {
std::vector<std::string> g_command_line;
}
void AddCorpusCommand(CLI::App& app);  // cli/corpus_command.cc

const std::vector<std::string>& CommandLine() { return g_command_line; }

int Run(int argc, char** argv) {
  g_command_line.assign(argv, argv + argc);
  // Past a file-size limit (ulimit -f, a batch system's quota) the kernel would kill
  // the process with SIGXFSZ mid-write; ignored, write() fails with EFBIG and the
  // write fails like on a full disk: exit 3 naming the file, earlier files intact.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"merhan: multimodal (speech + transcript) emotion recognition with MER-HAN and its baselines"};
  app.name("merhan");
  app.require_subcommand(0, 1);
  // Every option of every subcommand shows its default in --help.
  app.option_defaults()->always_capture_default();
  app.set_version_flag(
      "--version", [] { return CollectRuntimeInfo().ToString(); },
      "print versions, BLAS, threads and devices, then exit");
  std::string log_level = "info";
  try {
    SetupLogging(log_level);
  } catch (...) {
  }
  // Applied as soon as it is parsed, before any subcommand callback runs.
  app.add_option("--log-level", log_level, "trace | debug | info | warn | error | off")
      ->capture_default_str()
      ->each([](const std::string& level) { SetupLogging(level); });
  app.footer(
      "Exit codes: 0 ok, 2 usage or config error, 3 data error, 4 internal error, 5 lost a data-parallel peer,\n"
      "75 stopped by SIGTERM/SIGINT with a resumable checkpoint (130: a second SIGINT).\n"
      "Run `merhan <command> --help` for a command's options.");

  AddTrainCommand(app);
  AddConfigCommand(app);
  AddTokenizeCommand(app);
  AddEmbedTextCommand(app);
  AddEmbedSpeechCommand(app);
  AddFeaturesCommand(app);
  AddCorpusCommand(app);
  AddEvalCommand(app);
  AddPredictCommand(app);
  AddMfccCommand(app);
  AddCompareCommand(app);
  AddReportCommand(app);
  AddExportCommand(app);
  AddServeCommand(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message
    return static_cast<int>(ExitCode::kUsage);
  } catch (const Error& e) {
    // Thrown from a subcommand callback (CLI11 runs them inside parse()).
    std::cerr << (e.code() == ExitCode::kInterrupted ? "merhan: " : "merhan: error: ") << e.what() << "\n";
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::cerr << "merhan: internal error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::kInternal);
  }
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
    return static_cast<int>(ExitCode::kUsage);
  }
  return 0;
}

}  // namespace merhan::cli
