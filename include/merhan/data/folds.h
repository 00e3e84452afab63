// Cross-validation folds from data.protocol (docs/design.md §5), speaker-disjoint by
// construction and asserted in code:
//  loso          one fold per session: test = that session, validation = the next
//                session in cyclic order (data.validation "session": both its speakers;
//                "speaker": one of them, alternating, the other trains), train = the rest.
//                Validation is thus disjoint from train and test, and with "session"
//                no dialog is shared between splits.
//  loso-speaker  one fold per speaker (10 on IEMOCAP): test = that speaker, validation =
//                the other speaker(s) of the same session, train = the other sessions.
//  session5      the seed's split: the loso fold that tests on session 5 (validation
//                = session 1, or one speaker of it).
//  speaker-kfold K = data.folds groups of speakers (seeded by data.fold_seed, sizes within
//                one): fold k tests group k, validates on group k+1 (cyclic), trains on
//                the rest. Needs no sessions: any corpus with speakers (seed 004's
//                5-fold subject-independent CV is K = 5).
//  explicit      data.explicit_folds: [{"name": .., "train": [speakers], "val": [..], "test": [..]}].
//  official      one fold: the release's own train / validation / test split (Utterance::split;
//                MSP-Podcast's test set chosen by data.official_test, Test1 by default).
//                Refused, naming them, when the release's splits share speakers (MELD).
//  corpora       (data.corpora) one fold: the entries' roles give train, validation and
//                test (data/corpus_entry.h); without a validation entry, one of data.folds
//                seeded speaker groups of the training corpora validates. Refused, naming
//                them, when a speaker has two roles.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/data/data_options.h"
#include "merhan/data/utterance.h"

namespace merhan {

struct Fold {
  std::string name;                                                      // e.g. "loso-test1", "spk-1F", "session5"
  std::vector<int64_t> train, val, test;                                 // indices into the utterance list
  std::vector<std::string> train_speakers, val_speakers, test_speakers;  // sorted
};

// Throws UsageError when the protocol cannot apply to this corpus (e.g. loso on a
// manifest without sessions, explicit lists naming unknown speakers).
std::vector<Fold> MakeFolds(const std::vector<Utterance>& utterances, const DataOptions& options);

// Throws InternalError if a speaker occurs in two splits of `fold`, an utterance is in
// two splits, or the listed speakers disagree with the utterances' speakers.
void AssertSpeakerDisjoint(const Fold& fold, const std::vector<Utterance>& utterances);

// Counts per fold, split and class, as Markdown and as JSON (for the run directory).
std::string FoldTable(const std::vector<Fold>& folds, const std::vector<Utterance>& utterances,
                      const std::vector<std::string>& classes);
nlohmann::json FoldTableJson(const std::vector<Fold>& folds, const std::vector<Utterance>& utterances,
                             const std::vector<std::string>& classes);

}  // namespace merhan
