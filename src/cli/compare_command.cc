// `merhan compare`: paired statistics between trained runs (results/run_comparison.h).
#include <CLI/CLI.hpp>
#include <iostream>

#include "merhan/cli/cli.h"
#include "merhan/results/run_comparison.h"

namespace merhan::cli {

void AddCompareCommand(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("compare",
                         "compare run directories of `merhan train`: WAR/UAR/macro-F1 with bootstrap intervals, paired "
                         "differences to a reference run, Wilcoxon and McNemar tests with Holm's correction");
  struct Args {
    std::vector<std::string> runs;
    std::string out;
    CompareOptions options;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("runs", args->runs, "run directories (runs/<name>/<timestamp>), two or more")->required();
  cmd->add_option("--reference", args->options.reference, "the run the others are paired against (default: the first)");
  cmd->add_option("--out,-o", args->out,
                  "write compare.md, compare.csv, compare.json and compare.html into this directory");
  cmd->add_option("--bootstrap", args->options.replicates, "bootstrap replicates");
  cmd->add_option("--seed", args->options.seed, "bootstrap seed");
  cmd->add_option("--confidence", args->options.confidence, "confidence level of the intervals");
  cmd->add_option("--alpha", args->options.alpha, "family-wise level of Holm's correction");
  cmd->callback([args] {
    const RunComparison comparison = CompareRuns(args->runs, args->options);
    if (!args->out.empty()) comparison.Write(args->out);
    std::cout << comparison.ToMarkdown() << std::flush;
  });
}

}  // namespace merhan::cli
