// Reader of the MSP-Podcast release (data.format msp-podcast), as distributed:
//   <root>/Labels/labels_consensus.csv   FileName, EmoClass, EmoAct, EmoVal, EmoDom, SpkrID,
//                                        Gender, Split_Set (one row per segment)
//   <root>/Labels/labels_consensus.json  the same, {FileName: {EmoClass: .., ...}} (read
//                                        when there is no .csv)
//   <root>/Audios/<FileName>             audio (some files stereo at 44.1 kHz: LoadAudio
//                                        downmixes and resamples them)
//   <root>/Transcripts/<stem>.txt        the transcript, its first line
// Quirks: releases before v1.11 spell the file `labels_concensus` and call the
// development split `Validation`; both are read. EmoClass is one of A S H U F D C N O X
// (anything else is a DataError naming the file and line). Split_Set Train,
// Development (or Validation), Test1, Test2, Test3 become Utterance::split train,
// validation, test1, test2, test3 (data.protocol official). Speakers are "msp:<SpkrID>";
// SpkrID `Unknown` is one speaker per split, "msp:Unknown@<split>", so that an unknown
// voice never links two splits (the release's splits are speaker-independent).
// Missing transcripts: the segment is left out and counted ("no transcript", in
// Corpus::left_out, one warning naming them), since every model here reads the text
// stream; a missing audio file is a DataError naming the label file and line.
#pragma once

#include <string>

#include "merhan/data/corpus.h"

namespace merhan {

Corpus ReadMspPodcast(const std::string& root, const DataOptions& options);

}  // namespace merhan
