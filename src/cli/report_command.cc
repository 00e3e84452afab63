// `merhan report`: the summary and HTML report of a run directory from whatever
// (fold, seed) pairs have finished there (experiment/run_merge.h).
#include <CLI/CLI.hpp>
#include <iostream>

#include "merhan/cli/cli.h"
#include "merhan/experiment/run_merge.h"
#include "merhan/util/error.h"

namespace merhan::cli {

void AddReportCommand(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("report",
                         "merge the finished (fold, seed) pairs of a run directory into summary.{json,csv,md} and "
                         "report.html, and list the pairs that are missing, running or unfinished");
  struct Args {
    std::string run_dir;
    bool complete = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("run_dir", args->run_dir, "run directory of `merhan train` (e.g. one given to --run-dir)")
      ->required();
  cmd->add_flag("--require-complete", args->complete,
                "exit with status 3 when a planned (fold, seed) has not finished (the summary is written anyway)");
  cmd->callback([args] {
    const MergedRun merged = MergeRun(args->run_dir);
    std::cout << merged.summary.ToMarkdown();
    if (merged.pending.empty()) {
      std::cout << "\nall " << merged.summary.outcomes.size() << " planned (fold, seed) pairs have finished\n";
    } else {
      std::cout << "\nnot finished:\n" << PendingText(merged.pending);
    }
    std::cout << "written: " << args->run_dir << "/summary.{json,csv,md}, " << args->run_dir << "/report.html\n"
              << std::flush;
    if (args->complete && !merged.pending.empty()) {
      throw DataError(args->run_dir + ": " + std::to_string(merged.pending.size()) +
                      " planned (fold, seed) pair(s) have not finished");
    }
  });
}

}  // namespace merhan::cli
