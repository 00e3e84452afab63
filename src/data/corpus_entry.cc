#include "merhan/data/corpus_entry.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "merhan/util/error.h"

namespace merhan {
namespace {

const std::set<std::string>& EntryKeys() {
  static const std::set<std::string> keys = {"name", "format", "root", "manifest", "merge", "split", "role"};
  return keys;
}

std::string StringField(const nlohmann::json& j, const std::string& key, const std::string& where) {
  if (!j.contains(key)) return "";
  if (!j.at(key).is_string()) throw UsageError(where + "." + key + ": expected a string");
  return j.at(key).get<std::string>();
}

CorpusRole ParseRole(const std::string& role, const std::string& where) {
  if (role == "train") return CorpusRole::kTrain;
  if (role == "validation") return CorpusRole::kValidation;
  if (role == "test") return CorpusRole::kTest;
  throw UsageError(where + ".role: '" + role + "' (expected train, validation or test)");
}

bool ValidName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

CorpusEntry ParseEntry(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw UsageError(where + ": expected an object {name, format, root, split, role}");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!EntryKeys().count(it.key())) {
      throw UsageError(where + "." + it.key() + ": unknown key (expected name, format, root, manifest, merge, " +
                       "split, role)");
    }
  }
  CorpusEntry e;
  e.where = where;
  e.name = StringField(j, "name", where);
  if (!ValidName(e.name)) {
    throw UsageError(where + ".name: '" + e.name + "' (expected letters, digits, '_', '-' or '.'; it prefixes ids)");
  }
  e.root = StringField(j, "root", where);
  e.manifest = StringField(j, "manifest", where);
  if (j.contains("merge")) {
    if (!j.at("merge").is_object()) throw UsageError(where + ".merge: expected an object class -> [codes]");
    e.merge = j.at("merge");
  }
  const std::string split = StringField(j, "split", where);
  if (!split.empty()) e.split = split;
  if (!j.contains("role")) throw UsageError(where + ".role: required (train, validation or test)");
  e.role = ParseRole(StringField(j, "role", where), where);
  return e;
}

// Later entries of a name inherit what its first entry says and may not contradict it.
void Inherit(const CorpusEntry& first, const nlohmann::json& j, CorpusEntry* e) {
  const auto same = [&](const char* key, const std::string& mine, const std::string& theirs) {
    if (j.contains(key) && mine != theirs) {
      throw UsageError(e->where + "." + key + ": '" + mine + "' differs from " + first.where + "'s '" + theirs +
                       "' for corpus " + e->name + " (one name, one corpus)");
    }
  };
  same("format", StringField(j, "format", e->where), CorpusFormatName(first.format));
  same("root", e->root, first.root);
  same("manifest", e->manifest, first.manifest);
  if (j.contains("merge") && e->merge != first.merge) {
    throw UsageError(e->where + ".merge: differs from " + first.where + "'s for corpus " + e->name);
  }
  e->format = first.format;
  e->root = first.root;
  e->manifest = first.manifest;
  e->merge = first.merge;
}

void CheckFirstEntry(const nlohmann::json& j, CorpusEntry* e) {
  if (!j.contains("format")) throw UsageError(e->where + ".format: required in the first entry of " + e->name);
  try {
    e->format = ParseCorpusFormat(StringField(j, "format", e->where));
  } catch (const UsageError& error) {  // "data.format: unknown format ..." said of this entry
    const std::string message = error.what();
    const size_t colon = message.find(": ");
    throw UsageError(e->where + ".format: " + (colon == std::string::npos ? message : message.substr(colon + 2)));
  }
  if (e->format == CorpusFormat::kManifest && e->manifest.empty()) {
    throw UsageError(e->where + ".manifest: required for format manifest");
  }
  if (e->format != CorpusFormat::kManifest && e->root.empty()) {
    throw UsageError(e->where + ".root: required for format " + CorpusFormatName(e->format) +
                     " (the release's folder)");
  }
}

// Two entries of one corpus may not give the same utterance twice.
void CheckSplitsDisjoint(const std::vector<CorpusEntry>& entries) {
  std::map<std::string, std::map<std::string, std::string>> seen;  // name -> split -> where
  for (const CorpusEntry& e : entries) {
    auto& splits = seen[e.name];
    const bool overlaps = splits.count(e.split) || (e.split == "all" && !splits.empty()) || splits.count("all");
    if (overlaps) {
      const std::string other = splits.count(e.split) ? splits[e.split] : splits.begin()->second;
      throw UsageError(e.where + ".split: '" + e.split + "' overlaps " + other + " (corpus " + e.name +
                       "); each utterance has one role");
    }
    splits[e.split] = e.where;
  }
}

}  // namespace

const char* CorpusRoleName(CorpusRole role) {
  switch (role) {
    case CorpusRole::kTrain: return "train";
    case CorpusRole::kValidation: return "validation";
    case CorpusRole::kTest: return "test";
    case CorpusRole::kNone: break;
  }
  return "none";
}

std::vector<CorpusEntry> ParseCorpusEntries(const nlohmann::json& corpora) {
  if (!corpora.is_array()) throw UsageError("data.corpora: expected an array of corpus entries");
  std::vector<CorpusEntry> entries;
  std::map<std::string, size_t> first_of;
  for (size_t i = 0; i < corpora.size(); ++i) {
    const std::string where = "data.corpora[" + std::to_string(i) + "]";
    CorpusEntry e = ParseEntry(corpora[i], where);
    const auto first = first_of.find(e.name);
    if (first == first_of.end()) {
      CheckFirstEntry(corpora[i], &e);
      first_of[e.name] = entries.size();
    } else {
      Inherit(entries[first->second], corpora[i], &e);
    }
    entries.push_back(std::move(e));
  }
  CheckSplitsDisjoint(entries);
  for (CorpusRole needed : {CorpusRole::kTrain, CorpusRole::kTest}) {
    const bool present =
        std::any_of(entries.begin(), entries.end(), [&](const CorpusEntry& e) { return e.role == needed; });
    if (!present && !entries.empty()) {
      throw UsageError(std::string("data.corpora: no entry has role ") + CorpusRoleName(needed));
    }
  }
  return entries;
}

DataOptions EntryDataOptions(const DataOptions& base, const CorpusEntry& entry) {
  DataOptions o = base;
  o.corpora = nlohmann::json::array();
  o.format = CorpusFormatName(entry.format);
  o.root = entry.root;
  o.manifest = entry.manifest;
  o.merge = entry.merge.is_null() ? DataOptions{}.merge : entry.merge;
  o.protocol = "speaker-kfold";  // read only: the run's one fold comes from the roles
  o.folds = DataOptions{}.folds;  // data.folds sizes the held-out validation group instead
  o.official_test.clear();
  o.explicit_folds = nlohmann::json::array();
  o.expect_full_release = false;
  if (entry.format != CorpusFormat::kIemocap) o.subset = "all";  // data.subset applies to IEMOCAP entries
  return o;
}

std::string CorpusOfId(const std::string& id) {
  const size_t slash = id.find('/');
  return slash == std::string::npos ? "" : id.substr(0, slash);
}

std::vector<std::string> TestCorpusNames(const std::vector<CorpusEntry>& entries) {
  std::vector<std::string> names;
  for (const CorpusEntry& e : entries) {
    if (e.role == CorpusRole::kTest && std::find(names.begin(), names.end(), e.name) == names.end()) {
      names.push_back(e.name);
    }
  }
  return names;
}

}  // namespace merhan
