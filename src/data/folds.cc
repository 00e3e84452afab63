#include "merhan/data/folds.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "merhan/data/batcher.h"
#include "merhan/data/corpus_entry.h"
#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

using SpeakerSet = std::set<std::string>;

// session -> its speakers; every speaker must belong to exactly one session.
std::map<int, std::vector<std::string>> SpeakersBySession(const std::vector<Utterance>& utterances,
                                                          const std::string& protocol) {
  std::map<std::string, int> session_of;
  std::map<int, SpeakerSet> sessions;
  for (const auto& u : utterances) {
    auto [it, inserted] = session_of.emplace(u.speaker, u.session);
    if (!inserted && it->second != u.session) {
      throw UsageError(Cat("data.protocol ", protocol, ": speaker '", u.speaker, "' appears in sessions ", it->second,
                           " and ", u.session,
                           "; session protocols need each speaker in one "
                           "session (use data.protocol explicit)"));
    }
    sessions[u.session].insert(u.speaker);
  }
  std::map<int, std::vector<std::string>> out;
  for (auto& [s, speakers] : sessions) out[s] = {speakers.begin(), speakers.end()};
  return out;
}

Fold Build(const std::string& name, const std::vector<Utterance>& utterances, const SpeakerSet& train,
           const SpeakerSet& val, const SpeakerSet& test) {
  Fold fold;
  fold.name = name;
  for (size_t i = 0; i < utterances.size(); ++i) {
    const auto& s = utterances[i].speaker;
    if (test.count(s)) {
      fold.test.push_back(static_cast<int64_t>(i));
    } else if (val.count(s)) {
      fold.val.push_back(static_cast<int64_t>(i));
    } else if (train.count(s)) {
      fold.train.push_back(static_cast<int64_t>(i));
    }
  }
  fold.train_speakers = {train.begin(), train.end()};
  fold.val_speakers = {val.begin(), val.end()};
  fold.test_speakers = {test.begin(), test.end()};
  return fold;
}

Fold LosoFold(const std::map<int, std::vector<std::string>>& by_session, size_t k,
              const std::vector<Utterance>& utterances, const std::string& validation, const std::string& name) {
  std::vector<int> sessions;
  for (const auto& [s, _] : by_session) sessions.push_back(s);
  const int test_session = sessions[k];
  const int val_session = sessions[(k + 1) % sessions.size()];
  SpeakerSet train, val, test;
  for (const auto& [s, speakers] : by_session) {
    for (size_t j = 0; j < speakers.size(); ++j) {
      if (s == test_session) {
        test.insert(speakers[j]);
      } else if (s == val_session && (validation == "session" || j == k % speakers.size())) {
        val.insert(speakers[j]);
      } else {
        train.insert(speakers[j]);
      }
    }
  }
  return Build(name, utterances, train, val, test);
}

SpeakerSet SpeakerList(const nlohmann::json& fold, const char* key, size_t index, const SpeakerSet& known) {
  const std::string where = Cat("data.explicit_folds[", index, "].", key);
  if (!fold.contains(key)) throw UsageError(where + ": missing (a list of speakers)");
  if (!fold[key].is_array()) throw UsageError(where + ": expected a list of speakers");
  SpeakerSet out;
  for (const auto& s : fold[key]) {
    if (!s.is_string()) throw UsageError(where + ": speakers must be strings");
    const std::string speaker = s.get<std::string>();
    if (!known.count(speaker)) {
      std::string names;
      for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
      throw UsageError(Cat(where, ": unknown speaker '", speaker, "' (corpus speakers: ", names, ")"));
    }
    out.insert(speaker);
  }
  return out;
}

}  // namespace

// speaker-kfold: the corpus's speakers, sorted then shuffled with data.fold_seed, cut
// into K groups whose sizes differ by at most one (numpy's array_split). Fold k tests
// group k, validates on group k+1 (cyclic) and trains on the others, so validation
// speakers come out of the training groups and every speaker is tested exactly once.
std::vector<Fold> SpeakerKFolds(const std::vector<Utterance>& utterances, const DataOptions& options) {
  SpeakerSet all;
  for (const auto& u : utterances) all.insert(u.speaker);
  const size_t k = static_cast<size_t>(options.folds);
  if (all.size() < k) {
    throw UsageError(
        Cat("data.folds: speaker-kfold with K = ", k, " needs at least ", k, " speakers, the corpus has ", all.size()));
  }
  std::vector<std::string> speakers(all.begin(), all.end());
  std::vector<int64_t> order(speakers.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  SplitMix64 rng(static_cast<uint64_t>(options.fold_seed));
  DeterministicShuffle(&order, &rng);
  std::vector<SpeakerSet> groups(k);
  const size_t base = speakers.size() / k, extra = speakers.size() % k;
  for (size_t g = 0, next = 0; g < k; ++g) {
    for (size_t n = 0; n < base + (g < extra ? 1 : 0); ++n)
      groups[g].insert(speakers[static_cast<size_t>(order[next++])]);
  }
  std::vector<Fold> folds;
  for (size_t g = 0; g < k; ++g) {
    SpeakerSet train;
    for (size_t h = 0; h < k; ++h) {
      if (h != g && h != (g + 1) % k) train.insert(groups[h].begin(), groups[h].end());
    }
    folds.push_back(Build(Cat("kfold", g + 1), utterances, train, groups[(g + 1) % k], groups[g]));
  }
  return folds;
}

namespace {

// The speakers found in two splits (or roles), "meld:Joey (train, test)", at most 5.
std::string SharedSpeakers(const std::map<std::string, std::set<std::string>>& splits_of, size_t* count) {
  std::string list;
  *count = 0;
  for (const auto& [speaker, splits] : splits_of) {
    if (splits.size() < 2) continue;
    if (++*count > 5) continue;
    std::string names;
    for (const auto& s : splits) names += (names.empty() ? "" : ", ") + s;
    list += (list.empty() ? "" : "; ") + speaker + " (" + names + ")";
  }
  return list;
}

}  // namespace

// official: the release's own split (Utterance::split): train, validation, and the test
// split data.official_test ("" = "test" when the corpus has one, else "test1"). The
// release's splits must be speaker-independent; where they share speakers (MELD) the
// protocol is refused, naming them, rather than run with leakage.
Fold OfficialFold(const std::vector<Utterance>& utterances, const DataOptions& options) {
  std::set<std::string> present;
  for (const auto& u : utterances) present.insert(u.split);
  std::string test = options.official_test;
  if (test.empty()) test = present.count("test") ? "test" : "test1";
  std::string known;
  for (const auto& s : present) known += (known.empty() ? "" : ", ") + (s.empty() ? "(none)" : s);
  if (!present.count(test) || !present.count("train")) {
    throw UsageError(Cat("data.protocol official: the corpus has no '", present.count("train") ? test : "train",
                         "' split (its splits: ", known, ")",
                         test != options.official_test ? "" : "; see data.official_test"));
  }
  Fold fold;
  fold.name = "official-" + test;
  SpeakerSet train, val, tested;
  std::map<std::string, std::set<std::string>> splits_of;
  for (size_t i = 0; i < utterances.size(); ++i) {
    const Utterance& u = utterances[i];
    const auto index = static_cast<int64_t>(i);
    if (u.split == "train") {
      fold.train.push_back(index);
      train.insert(u.speaker);
    } else if (u.split == "validation") {
      fold.val.push_back(index);
      val.insert(u.speaker);
    } else if (u.split == test) {
      fold.test.push_back(index);
      tested.insert(u.speaker);
    } else {
      continue;  // another test split (MSP-Podcast's Test2 when testing on Test1)
    }
    splits_of[u.speaker].insert(u.split);
  }
  size_t shared = 0;
  const std::string list = SharedSpeakers(splits_of, &shared);
  if (shared > 0) {
    throw UsageError(Cat("data.protocol official: the release's train/validation/", test, " splits share ", shared,
                         " speaker(s): ", list, (shared > 5 ? "; ..." : ""),
                         ". Its official split is not "
                         "speaker-independent; use data.protocol speaker-kfold"));
  }
  fold.train_speakers = {train.begin(), train.end()};
  fold.val_speakers = {val.begin(), val.end()};
  fold.test_speakers = {tested.begin(), tested.end()};
  return fold;
}

namespace {

// corpora without a validation entry: one of data.folds seeded groups of the training
// speakers validates, so that model selection never sees a test corpus.
SpeakerSet HeldOutValidationSpeakers(const SpeakerSet& train, const DataOptions& options) {
  if (train.size() < 2) {
    throw UsageError(Cat("data.corpora: no entry has role validation, and the training corpora have ", train.size(),
                         " speaker(s); a validation group needs 2 or more (or give a validation entry)"));
  }
  std::vector<std::string> speakers(train.begin(), train.end());
  std::vector<int64_t> order(speakers.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  SplitMix64 rng(static_cast<uint64_t>(options.fold_seed));
  DeterministicShuffle(&order, &rng);
  const size_t size = std::max<size_t>(1, speakers.size() / static_cast<size_t>(std::max(options.folds, 2)));
  SpeakerSet val;
  for (size_t n = 0; n < size; ++n) val.insert(speakers[static_cast<size_t>(order[n])]);
  return val;
}

// corpora: the one fold data.corpora's roles define (Utterance::role). A speaker in two
// roles (a release split that shares speakers with another, as MELD's do) is refused,
// naming them.
Fold CorporaFold(const std::vector<Utterance>& utterances, const DataOptions& options) {
  SpeakerSet by_role[4];
  std::map<std::string, std::set<std::string>> roles_of;
  for (const Utterance& u : utterances) {
    if (u.role == CorpusRole::kNone) throw InternalError("data.corpora: utterance " + u.id + " has no role");
    by_role[static_cast<int>(u.role)].insert(u.speaker);
    roles_of[u.speaker].insert(CorpusRoleName(u.role));
  }
  size_t shared = 0;
  const std::string list = SharedSpeakers(roles_of, &shared);
  if (shared > 0) {
    throw UsageError(Cat("data.corpora: ", shared, " speaker(s) in two roles: ", list, (shared > 5 ? "; ..." : ""),
                         ". Train, validation and test must be speaker-disjoint; give those splits one role"));
  }
  SpeakerSet& train = by_role[static_cast<int>(CorpusRole::kTrain)];
  SpeakerSet val = by_role[static_cast<int>(CorpusRole::kValidation)];
  if (val.empty()) {
    val = HeldOutValidationSpeakers(train, options);
    for (const auto& s : val) train.erase(s);
  }
  return Build("corpora", utterances, train, val, by_role[static_cast<int>(CorpusRole::kTest)]);
}

// data.explicit_folds: speaker lists given in the config, checked disjoint.
std::vector<Fold> ExplicitFolds(const std::vector<Utterance>& utterances, const DataOptions& options) {
  SpeakerSet known;
  for (const auto& u : utterances) known.insert(u.speaker);
  if (!options.explicit_folds.is_array() || options.explicit_folds.empty()) {
    throw UsageError("data.explicit_folds: expected a non-empty list of {train, val, test} speaker lists");
  }
  std::vector<Fold> folds;
  for (size_t i = 0; i < options.explicit_folds.size(); ++i) {
    const auto& f = options.explicit_folds[i];
    if (!f.is_object()) throw UsageError(Cat("data.explicit_folds[", i, "]: expected an object"));
    const SpeakerSet train = SpeakerList(f, "train", i, known);
    const SpeakerSet val = SpeakerList(f, "val", i, known);
    const SpeakerSet test = SpeakerList(f, "test", i, known);
    for (const auto& [a, b, an, bn] :
         {std::tuple{&train, &val, "train", "val"}, std::tuple{&train, &test, "train", "test"},
          std::tuple{&val, &test, "val", "test"}}) {
      for (const auto& s : *a) {
        if (b->count(s))
          throw UsageError(Cat("data.explicit_folds[", i, "]: speaker '", s, "' is in both ", an, " and ", bn));
      }
    }
    if (train.empty() || test.empty())
      throw UsageError(Cat("data.explicit_folds[", i, "]: train and test need speakers"));
    std::string name = f.contains("name") && f["name"].is_string() ? f["name"].get<std::string>() : Cat("fold", i + 1);
    folds.push_back(Build(name, utterances, train, val, test));
  }
  return folds;
}

// loso-speaker: one fold per speaker; the other speakers of its session validate.
std::vector<Fold> LosoSpeakerFolds(const std::map<int, std::vector<std::string>>& by_session,
                                   const std::vector<Utterance>& utterances) {
  std::vector<Fold> folds;
  for (const auto& [session, speakers] : by_session) {
    if (speakers.size() < 2) {
      throw UsageError(Cat("data.protocol loso-speaker: session ", session,
                           " has one speaker; it needs one to "
                           "test and another to validate"));
    }
    for (const auto& test_speaker : speakers) {
      SpeakerSet train, val, test = {test_speaker};
      for (const auto& [s, others] : by_session) {
        for (const auto& sp : others) {
          if (sp == test_speaker) continue;
          (s == session ? val : train).insert(sp);
        }
      }
      folds.push_back(Build("spk-" + test_speaker, utterances, train, val, test));
    }
  }
  return folds;
}

// The session protocols: loso, session5 and loso-speaker.
std::vector<Fold> SessionFolds(const std::vector<Utterance>& utterances, const DataOptions& options) {
  const std::string& protocol = options.protocol;
  const auto by_session = SpeakersBySession(utterances, protocol);
  if (by_session.count(0) && by_session.size() == 1) {
    throw UsageError(Cat("data.protocol ", protocol,
                         ": the corpus has no sessions (add a 'session' column "
                         "to the manifest or use data.protocol explicit)"));
  }
  if (by_session.size() < 3) {
    throw UsageError(Cat("data.protocol ", protocol, ": needs at least 3 sessions (test, validation, train), found ",
                         by_session.size()));
  }
  std::vector<int> sessions;
  for (const auto& [s, _] : by_session) sessions.push_back(s);
  std::vector<Fold> folds;
  if (protocol == "loso") {
    for (size_t k = 0; k < sessions.size(); ++k) {
      folds.push_back(LosoFold(by_session, k, utterances, options.validation, Cat("loso-test", sessions[k])));
    }
  } else if (protocol == "session5") {
    auto it = std::find(sessions.begin(), sessions.end(), 5);
    if (it == sessions.end()) throw UsageError("data.protocol session5: the corpus has no session 5");
    folds.push_back(
        LosoFold(by_session, static_cast<size_t>(it - sessions.begin()), utterances, options.validation, "session5"));
  } else if (protocol == "loso-speaker") {
    folds = LosoSpeakerFolds(by_session, utterances);
  } else {
    throw UsageError("data.protocol: unknown protocol '" + protocol + "'");
  }
  return folds;
}

}  // namespace

std::vector<Fold> MakeFolds(const std::vector<Utterance>& utterances, const DataOptions& options) {
  std::vector<Fold> folds;
  const std::string protocol = options.EffectiveProtocol();
  if (!options.corpora.empty()) {
    folds.push_back(CorporaFold(utterances, options));
  } else if (protocol == "speaker-kfold") {
    folds = SpeakerKFolds(utterances, options);
  } else if (protocol == "official") {
    folds.push_back(OfficialFold(utterances, options));
  } else if (protocol == "explicit") {
    folds = ExplicitFolds(utterances, options);
  } else {
    folds = SessionFolds(utterances, options);
  }
  for (const auto& fold : folds) {
    AssertSpeakerDisjoint(fold, utterances);
    if (fold.train.empty() || fold.test.empty()) {
      throw UsageError(Cat("data.protocol ", protocol, ": fold ", fold.name, " has an empty ",
                           fold.train.empty() ? "train" : "test", " split"));
    }
  }
  return folds;
}

void AssertSpeakerDisjoint(const Fold& fold, const std::vector<Utterance>& utterances) {
  std::map<std::string, std::string> split_of;  // speaker -> split
  std::set<int64_t> seen;
  for (const auto& [split, indices, listed] :
       {std::tuple{"train", &fold.train, &fold.train_speakers}, std::tuple{"val", &fold.val, &fold.val_speakers},
        std::tuple{"test", &fold.test, &fold.test_speakers}}) {
    const SpeakerSet allowed(listed->begin(), listed->end());
    for (int64_t i : *indices) {
      if (i < 0 || static_cast<size_t>(i) >= utterances.size()) {
        throw InternalError(Cat("fold ", fold.name, ": ", split, " index ", i, " out of range"));
      }
      if (!seen.insert(i).second) {
        throw InternalError(
            Cat("fold ", fold.name, ": utterance ", utterances[static_cast<size_t>(i)].id, " is in two splits"));
      }
      const std::string& speaker = utterances[static_cast<size_t>(i)].speaker;
      if (!allowed.count(speaker)) {
        throw InternalError(
            Cat("fold ", fold.name, ": ", split, " holds speaker ", speaker, " not in its speaker list"));
      }
      auto [it, inserted] = split_of.emplace(speaker, split);
      if (!inserted && it->second != split) {
        throw InternalError(Cat("fold ", fold.name, ": speaker ", speaker, " is in both ", it->second, " and ", split,
                                " (speaker leakage)"));
      }
    }
  }
  // Listed speakers must also be disjoint, even those with no utterance.
  SpeakerSet all;
  size_t listed = 0;
  for (const auto* v : {&fold.train_speakers, &fold.val_speakers, &fold.test_speakers}) {
    all.insert(v->begin(), v->end());
    listed += v->size();
  }
  if (all.size() != listed) throw InternalError(Cat("fold ", fold.name, ": a speaker is listed in two splits"));
}

nlohmann::json FoldTableJson(const std::vector<Fold>& folds, const std::vector<Utterance>& utterances,
                             const std::vector<std::string>& classes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& fold : folds) {
    nlohmann::json f = {{"name", fold.name}, {"classes", classes}};
    for (const auto& [split, indices, speakers] :
         {std::tuple{"train", &fold.train, &fold.train_speakers}, std::tuple{"val", &fold.val, &fold.val_speakers},
          std::tuple{"test", &fold.test, &fold.test_speakers}}) {
      std::vector<int> counts(classes.size(), 0);
      for (int64_t i : *indices) {
        const int label = utterances[static_cast<size_t>(i)].label;
        if (label >= 0 && static_cast<size_t>(label) < classes.size()) ++counts[static_cast<size_t>(label)];
      }
      f[split] = {{"speakers", *speakers}, {"counts", counts}, {"total", indices->size()}};
    }
    out.push_back(f);
  }
  return out;
}

std::string FoldTable(const std::vector<Fold>& folds, const std::vector<Utterance>& utterances,
                      const std::vector<std::string>& classes) {
  const nlohmann::json j = FoldTableJson(folds, utterances, classes);
  std::ostringstream t;
  t << "| fold | split | speakers |";
  for (const auto& c : classes) t << " " << c << " |";
  t << " total |\n|---|---|---|";
  for (size_t i = 0; i <= classes.size(); ++i) t << "---|";
  t << "\n";
  for (const auto& f : j) {
    for (const char* split : {"train", "val", "test"}) {
      std::string speakers;
      for (const auto& s : f[split]["speakers"]) speakers += (speakers.empty() ? "" : " ") + s.get<std::string>();
      t << "| " << f["name"].get<std::string>() << " | " << split << " | " << speakers << " |";
      for (const auto& c : f[split]["counts"]) t << " " << c.get<int>() << " |";
      t << " " << f[split]["total"].get<size_t>() << " |\n";
    }
  }
  return t.str();
}

}  // namespace merhan
