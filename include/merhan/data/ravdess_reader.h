// Reader of RAVDESS's speech audio (data.format ravdess), as distributed
// (Audio_Speech_Actors_01-24.zip):
//   <root>/[Audio_Speech_Actors_01-24/]Actor_NN/MM-VV-EE-II-SS-RR-AA.wav
// Fields: modality MM (03 audio-only), vocal channel VV (01 speech, 02 song), emotion
// EE (01 neutral, 02 calm, 03 happy, 04 sad, 05 angry, 06 fearful, 07 disgust,
// 08 surprised; calm is a class of its own, dropped and counted by the default
// 4-class map unless data.merge maps it), intensity II (01 normal, 02 strong; neutral
// has no strong), statement SS (01 "Kids are talking by the door.", 02 "Dogs are
// sitting by the door.": the transcript), repetition RR (01, 02), actor AA (01-24, odd
// male, even female; "ravdess:NN", and it must match its Actor_NN folder).
// Speech only: songs are left out and counted (Corpus::left_out "song"). A file name
// that does not parse or holds a code outside these is a DataError naming the file.
// No official split: data.protocol speaker-kfold.
#pragma once

#include <string>

#include "merhan/data/corpus.h"

namespace merhan {

Corpus ReadRavdess(const std::string& root, const DataOptions& options);

}  // namespace merhan
