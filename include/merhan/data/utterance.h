// One labelled utterance of a corpus, as every reader returns it.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace merhan {

// What an utterance is for in a multi-corpus run (data.corpora); kNone when the run
// reads one corpus and its protocol decides.
enum class CorpusRole { kNone, kTrain, kValidation, kTest };

struct Utterance {
  std::string id;        // e.g. Ses01F_impro01_F000
  std::string wav_path;  // absolute or relative to the working directory
  std::string text;      // transcript
  std::string code;      // corpus label code before merging, e.g. "exc"
  int label = -1;        // index into the class list after merging
  std::string speaker;   // e.g. "1F" (session + gender) for IEMOCAP
  int session = 0;       // 1..5 for IEMOCAP; 0 when the corpus has none
  std::string dialog;    // e.g. Ses01F_impro01
  bool improvised = false;
  // The release's own split, for data.protocol official: "train", "validation", "test"
  // (MELD), "test1".."test3" (MSP-Podcast); empty when the corpus has none.
  std::string split;
  // data.corpora: the entry name that namespaces this utterance's id and speaker
  // ("<name>/<id>") and the role its entry gives it; empty / kNone for one corpus.
  std::string corpus;
  CorpusRole role = CorpusRole::kNone;
  double start_s = 0.0;  // segment start/end in the dialog (label file)
  double end_s = 0.0;
  // Manifest columns (JSONL string keys) beyond the standard ones, as written.
  std::map<std::string, std::string> columns;
  // Precomputed stream name -> the file holding this utterance's features
  // (data.streams; filled by ReadCorpus).
  std::map<std::string, std::string> feature_files;
  // Where the reader found the utterance ("file:line": the IEMOCAP label line or the
  // manifest row) and its transcript (the transcription line, or the manifest row),
  // so that errors found later (an empty transcript, an unreadable wav) point at the
  // line to fix. Empty for utterances not read from a corpus.
  std::string origin;
  std::string text_origin;
};

// Prefix for errors about an utterance's transcript: "file:line: id", or the id alone.
inline std::string TextLocation(const Utterance& u) {
  return u.text_origin.empty() ? u.id : u.text_origin + ": " + u.id;
}
// The same for its audio and label: "file:line: id".
inline std::string UtteranceLocation(const Utterance& u) { return u.origin.empty() ? u.id : u.origin + ": " + u.id; }

// Label policy applied by readers: class list + merge map, with counts of
// what was dropped.
struct LabelCounts {
  std::vector<std::string> classes;
  std::vector<int> per_class;                        // kept utterances per class
  std::vector<std::pair<std::string, int>> dropped;  // code -> count
};

}  // namespace merhan
