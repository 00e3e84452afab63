// `merhan features`: read the corpus and fill the feature cache (MFCC + text encoder
// outputs) once, so that training and evaluation only memory-map it.
#include <CLI/CLI.hpp>
#include <iostream>

#include "merhan/cli/cli.h"
#include "merhan/data/corpus.h"
#include "merhan/data/feature_streams.h"
#include "merhan/runtime/experiment_config.h"

namespace merhan::cli {

void AddFeaturesCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("features", "precompute the corpus's cached features (MFCC, text encoder)");
  struct Args {
    std::string config;
    std::vector<std::string> sets;
    int threads = -1;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--config,-c", args->config, "JSON config file")->required();
  cmd->add_option("--set", args->sets, "override, e.g. --set data.cache_dir=/tmp/cache (repeatable)");
  cmd->add_option("--threads", args->threads, "extraction threads (default data.cache_threads; 0 = all cores)");
  cmd->callback([args] {
    ExperimentConfig config = ExperimentConfig::Load(args->config, args->sets);
    if (args->threads >= 0) config.data.cache_threads = args->threads;
    const Corpus corpus = ReadCorpus(config.data);
    std::cout << CountTable(corpus.utterances, corpus.counts.classes);
    const CorpusFeatures features = EnsureCorpusFeatures(corpus, config.data, config.audio, config.mfcc, config.text,
                                                         RequiredStreams(config.model, config.text));
    for (const StreamCache& s : features.streams) {
      std::cout << s.name << ": " << s.stats.ToString() << "  [" << s.cache->dir() << "]\n";
    }
  });
}

}  // namespace merhan::cli
