// Reader of the CREMA-D release (data.format crema-d), as distributed:
//   <root>/AudioWAV/<actor>_<sentence>_<emotion>_<level>.wav   e.g. 1001_DFA_ANG_XX.wav
//   <root>/VideoDemographics.csv   ActorID, Age, Sex, Race, Ethnicity
// Actors 1001-1091 ("crema:1001"); the 12 sentence codes with their texts (the
// transcript; kCremaDSentences); emotions ANG DIS FEA HAP NEU SAD; levels LO MD HI and
// XX (unspecified). A file name that does not parse, an unknown sentence, emotion or
// level code, or an actor missing from VideoDemographics.csv is a DataError naming the
// file. No official split: data.protocol speaker-kfold (speaker-independent folds).
#pragma once

#include <map>
#include <string>

#include "merhan/data/corpus.h"

namespace merhan {

// Sentence code -> the sentence the actors read.
const std::map<std::string, std::string>& CremaDSentences();

Corpus ReadCremaD(const std::string& root, const DataOptions& options);

}  // namespace merhan
