// Reader of the MELD release (data.format meld), MELD.Raw as distributed:
//   <root>/{train,dev,test}_sent_emo.csv   Sr No., Utterance, Speaker, Emotion, Sentiment,
//                                          Dialogue_ID, Utterance_ID, Season, Episode,
//                                          StartTime, EndTime (also read from train/, dev/, test/)
//   <root>/train_splits/dia{D}_utt{U}.mp4             (or train/train_splits/, train/)
//   <root>/dev_splits_complete/dia{D}_utt{U}.mp4      (or dev/dev_splits_complete/, dev/)
//   <root>/output_repeated_splits_test/[final_videos_test]dia{D}_utt{U}.mp4  (or test/...)
// The CSVs are UTF-8 with curly quotes kept as written, CRLF line ends, and quoted fields
// holding commas ("00:16:16,059"); they go through the one CSV parser (data/csv_records.h).
// Emotions: neutral joy sadness anger surprise fear disgust (anything else is a
// DataError naming the file and line). Ids are "<split>_dia{D}_utt{U}" (dialogue numbers
// restart in each split); Utterance::split train, validation, test. Speakers are the
// characters' names across episodes, "meld:<name>": MELD's official split shares them
// (the main cast speaks in train, dev and test), so it is not speaker-independent and
// data.protocol official refuses it (docs/corpora.md); speaker-kfold is.
// The release is known to be incomplete: media that are missing (train dia125_utt3, dev
// dia110_utt7), unreadable, or longer than kMeldMaxSeconds (mis-cut clips) are left out,
// counted in Corpus::left_out and named in one warning, never an error mid-run. Every
// kept file's header is opened (audio/audio_probe.h) to find them.
#pragma once

#include <string>

#include "merhan/data/corpus.h"

namespace merhan {

constexpr double kMeldMaxSeconds = 60.0;

Corpus ReadMeld(const std::string& root, const DataOptions& options);

}  // namespace merhan
