// `merhan corpus`: what a config's corpus resolves to before any feature is computed:
// utterances per release split, fold and split of the protocol, class and speaker; the
// classes dropped or merged with their counts; the files left out and why; total audio
// hours. Every audio file's header is opened (data/corpus_audit.h), so missing or
// unreadable media are named here (exit 3), before any training.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <map>
#include <sstream>

#include "merhan/cli/cli.h"
#include "merhan/data/corpus.h"
#include "merhan/data/corpus_audit.h"
#include "merhan/data/corpus_entry.h"
#include "merhan/data/folds.h"
#include "merhan/runtime/experiment_config.h"
#include "merhan/util/error.h"

namespace merhan::cli {
namespace {

// Utterances per `key` (release split, speaker) and class.
template <typename Key>
std::map<std::string, std::vector<int>> PerClass(const Corpus& corpus, Key key) {
  std::map<std::string, std::vector<int>> rows;
  for (const Utterance& u : corpus.utterances) {
    auto& row = rows[key(u)];
    row.resize(corpus.counts.classes.size(), 0);
    ++row[static_cast<size_t>(u.label)];
  }
  return rows;
}

nlohmann::json Summary(const ExperimentConfig& config, const Corpus& corpus, const CorpusAudit& audit) {
  nlohmann::json j = CountJson(corpus);
  j["format"] = config.data.format;
  j["protocol"] = config.data.EffectiveProtocol();
  j["merge"] = config.data.merge;
  j["splits"] = PerClass(corpus, [](const Utterance& u) { return u.split.empty() ? std::string("(none)") : u.split; });
  j["speakers"] = PerClass(corpus, [](const Utterance& u) { return u.speaker; });
  if (!config.data.corpora.empty()) {  // data.corpora: utterances per corpus and role
    j["corpora"] = PerClass(corpus, [](const Utterance& u) { return u.corpus + " (" + CorpusRoleName(u.role) + ")"; });
  }
  j["left_out_items"] = corpus.left_out;
  j["audio"] = audit.ToJson();
  return j;
}

std::string Table(const std::string& title, const std::vector<std::string>& classes,
                  const std::map<std::string, std::vector<int>>& rows) {
  std::ostringstream t;
  t << "| " << title << " |";
  for (const auto& c : classes) t << " " << c << " |";
  t << " total |\n|---|";
  for (size_t i = 0; i <= classes.size(); ++i) t << "---|";
  t << "\n";
  for (const auto& [name, row] : rows) {
    int sum = 0;
    t << "| " << name << " |";
    for (int n : row) t << " " << n << " |", sum += n;
    t << " " << sum << " |\n";
  }
  return t.str();
}

void PrintText(const nlohmann::json& j, const Corpus& corpus, const std::string& folds) {
  std::cout << "# " << (j.contains("corpora") ? "corpora" : j["format"].get<std::string>()) << " " << corpus.source
            << "\n\n"
            << corpus.utterances.size() << " utterances, " << j["audio"]["hours"].get<double>() << " h of audio\n\n";
  const bool sessions = std::any_of(corpus.utterances.begin(), corpus.utterances.end(),
                                    [](const Utterance& u) { return u.session != 0; });
  if (sessions) std::cout << CountTable(corpus.utterances, corpus.counts.classes) << "\n";
  if (j.contains("corpora")) {
    std::cout << Table("corpus (role)", corpus.counts.classes,
                       j["corpora"].get<std::map<std::string, std::vector<int>>>())
              << "\n";
  }
  std::cout << Table("split", corpus.counts.classes, j["splits"].get<std::map<std::string, std::vector<int>>>()) << "\n"
            << Table("speaker", corpus.counts.classes, j["speakers"].get<std::map<std::string, std::vector<int>>>())
            << "\n";
  std::cout << "dropped by the label map (data.classes, data.merge):";
  for (const auto& [code, n] : corpus.counts.dropped) std::cout << " " << code << "=" << n;
  std::cout << (corpus.counts.dropped.empty() ? " none\n" : "\n");
  std::cout << "left out:";
  for (const auto& [reason, n] : corpus.left_out_counts) std::cout << " " << reason << "=" << n << ";";
  std::cout << (corpus.left_out_counts.empty() ? " none\n" : "\n");
  for (const auto& l : corpus.left_out) std::cout << "  " << l << "\n";
  std::cout << "\nfolds (" << j["protocol"].get<std::string>() << "):\n" << folds;
}

}  // namespace

void AddCorpusCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("corpus",
                                 "what a config's corpus resolves to: counts per split, fold, class and "
                                 "speaker, dropped classes, files left out, audio hours");
  struct Args {
    std::string config;
    std::vector<std::string> sets;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--config,-c", args->config, "JSON config file")->required();
  cmd->add_option("--set", args->sets, "override, e.g. --set data.protocol=official (repeatable)");
  cmd->add_flag("--json", args->json, "print JSON instead of Markdown tables");
  cmd->callback([args] {
    const ExperimentConfig config = ExperimentConfig::Load(args->config, args->sets);
    const Corpus corpus = ReadCorpus(config.data);
    if (corpus.utterances.empty()) throw DataError(corpus.source + ": no labelled utterances");
    const CorpusAudit audit = AuditAudio(corpus);  // DataError naming every unreadable file
    nlohmann::json j = Summary(config, corpus, audit);
    const std::vector<Fold> folds = MakeFolds(corpus.utterances, config.data);  // asserts speaker disjointness
    j["folds"] = FoldTableJson(folds, corpus.utterances, corpus.counts.classes);
    if (args->json) {
      std::cout << j.dump(2) << "\n";
    } else {
      PrintText(j, corpus, FoldTable(folds, corpus.utterances, corpus.counts.classes));
    }
  });
}

}  // namespace merhan::cli
