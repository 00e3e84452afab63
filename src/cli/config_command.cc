// `merhan config`: print the resolved config of a file chain, or the schema.
#include <CLI/CLI.hpp>
#include <iostream>

#include "merhan/cli/cli.h"
#include "merhan/runtime/experiment_config.h"
#include "merhan/util/error.h"

namespace merhan::cli {

void AddConfigCommand(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("config", "print a config resolved (extends + --set), or every key with its type and default");
  auto config = std::make_shared<std::string>();
  auto sets = std::make_shared<std::vector<std::string>>();
  auto keys = std::make_shared<bool>(false);
  cmd->add_option("--config,-c", *config, "JSON config file");
  cmd->add_option("--set", *sets, "override, e.g. --set train.lr=1e-4 (repeatable)");
  cmd->add_flag("--keys", *keys, "list every key with its type, default and help");
  cmd->callback([config, sets, keys] {
    if (*keys) {
      ExperimentConfig defaults;
      ConfigRegistry r;
      defaults.Register(&r);
      std::cout << r.Describe();
      return;
    }
    if (config->empty()) throw UsageError("config: give --config FILE or --keys");
    std::cout << ExperimentConfig::Load(*config, *sets).ToString() << "\n";
  });
}

}  // namespace merhan::cli
