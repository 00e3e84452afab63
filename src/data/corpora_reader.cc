#include "merhan/data/corpora_reader.h"

#include <map>
#include <set>

#include "merhan/data/corpus_entry.h"
#include "merhan/util/error.h"

namespace merhan {
namespace {

// The entries of each name, names in order of first appearance.
std::vector<std::vector<const CorpusEntry*>> GroupByName(const std::vector<CorpusEntry>& entries) {
  std::vector<std::vector<const CorpusEntry*>> groups;
  std::map<std::string, size_t> index;
  for (const CorpusEntry& e : entries) {
    const auto [it, inserted] = index.emplace(e.name, groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(&e);
  }
  return groups;
}

Corpus ReadOne(const DataOptions& options, const CorpusEntry& entry) {
  try {
    return ReadCorpus(EntryDataOptions(options, entry));
  } catch (const UsageError& e) {
    throw UsageError(entry.where + " (" + entry.name + "): " + e.what());
  }
}

void CheckSplitsPresent(const std::vector<const CorpusEntry*>& group, const Corpus& corpus) {
  std::set<std::string> present;
  for (const Utterance& u : corpus.utterances) present.insert(u.split.empty() ? "(none)" : u.split);
  for (const CorpusEntry* e : group) {
    if (e->split == "all" || present.count(e->split)) continue;
    std::string list;
    for (const auto& s : present) list += (list.empty() ? "" : ", ") + s;
    throw UsageError(e->where + ".split: '" + e->split + "' is not a split of " + e->name + " (its splits: " + list +
                     "; or all)");
  }
}

const CorpusEntry* EntryFor(const std::vector<const CorpusEntry*>& group, const Utterance& u) {
  for (const CorpusEntry* e : group) {
    if (e->split == "all" || e->split == u.split) return e;
  }
  return nullptr;
}

// Moves `one`'s utterances with a role into `all`, namespaced.
void Append(const std::vector<const CorpusEntry*>& group, Corpus one, Corpus* all) {
  const std::string& name = group.front()->name;
  int without_role = 0;
  for (Utterance& u : one.utterances) {
    const CorpusEntry* entry = EntryFor(group, u);
    if (!entry) {
      ++without_role;
      continue;
    }
    u.id = name + "/" + u.id;
    u.speaker = name + "/" + u.speaker;
    u.corpus = name;
    u.role = entry->role;
    ++all->counts.per_class[static_cast<size_t>(u.label)];
    all->utterances.push_back(std::move(u));
  }
  // Counted, not listed: a release's unused test splits hold tens of thousands.
  if (without_role > 0) all->left_out_counts[name + ": split given no role in data.corpora"] += without_role;
  for (const auto& [code, n] : one.counts.dropped) all->counts.dropped.emplace_back(name + ":" + code, n);
  for (const auto& [reason, n] : one.left_out_counts) all->left_out_counts[name + ": " + reason] += n;
  for (const auto& item : one.left_out) all->left_out.push_back(name + "/" + item);
  all->skipped_rows += one.skipped_rows;
  for (const auto& s : one.skipped) all->skipped.push_back(name + ": " + s);
  all->source += (all->source.empty() ? "" : ", ") + name + " (" + one.source + ")";
}

}  // namespace

Corpus ReadCorpora(const DataOptions& options) {
  const std::vector<CorpusEntry> entries = ParseCorpusEntries(options.corpora);
  Corpus all;
  all.counts.classes = options.classes;
  all.counts.per_class.assign(options.classes.size(), 0);
  for (const auto& group : GroupByName(entries)) {
    Corpus one = ReadOne(options, *group.front());
    CheckSplitsPresent(group, one);
    Append(group, std::move(one), &all);
  }
  return all;
}

}  // namespace merhan
