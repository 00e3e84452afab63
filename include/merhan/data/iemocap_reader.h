// Reader of the IEMOCAP release layout (docs/design.md §5):
//   IEMOCAP_full_release/Session{1..5}/dialog/EmoEvaluation/<dialog>.txt   labels
//   IEMOCAP_full_release/Session{1..5}/dialog/transcriptions/<dialog>.txt  transcripts
//   IEMOCAP_full_release/Session{1..5}/sentences/wav/<dialog>/<utt>.wav    audio
// Label files: header lines (%), blank lines, one line per utterance
// "[start - end]<TAB>id<TAB>code<TAB>[V, A, D]", then annotator lines ("C-E1:", "A-F2:")
// that are skipped. Transcript lines "id [start-end]: text"; lines that are not
// utterances ("M: Yeah.", ids ending in XX0) are skipped. Anything malformed is a
// DataError naming the file and line.
#pragma once

#include <string>

#include "merhan/data/corpus.h"

namespace merhan {

// `root` is the IEMOCAP_full_release folder or a folder that contains it.
// Applies the label policy of `options`; on the standard 4-class policy with all 5
// sessions and more than 5,000 utterances (or with options.expect_full_release) the
// counts are checked against docs/design.md §5 (CheckIemocapStandardCounts).
Corpus ReadIemocap(const std::string& root, const DataOptions& options);

// docs/design.md §5: the standard 4-class counts of the full release.
struct IemocapStandardCheck {
  bool matches = false;
  std::string table;  // found vs expected, per session and class
};
IemocapStandardCheck CheckIemocapStandardCounts(const Corpus& corpus);

// Expected totals (docs/design.md §5): neu 1708, hap+exc 1636, ang 1103, sad 1084; sessions
// 1085/1023/1151/1031/1241; 5531 in all.
constexpr int kIemocapStandardTotal = 5531;

}  // namespace merhan
