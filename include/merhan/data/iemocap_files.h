// Parsers of IEMOCAP's per-dialog text files (docs/design.md §5), from text to plain
// structs, without touching the file system: the IEMOCAP reader (iemocap_reader.h)
// feeds them the files it reads, the fuzzers (fuzz/) feed them anything.
//   EmoEvaluation/<dialog>.txt   "[start - end]<TAB>id<TAB>code<TAB>[V, A, D]" lines,
//                                header (%), blank and annotator ("C-E1:") lines
//   transcriptions/<dialog>.txt  "id [start-end]: text" lines, and lines that are not
//                                utterances ("M: Yeah.", ids ending in XX0)
// Anything malformed is a DataError "path:line: why: 'the line'".
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace merhan {

struct IemocapLabelLine {
  std::string id, code;
  double start = 0, end = 0;
  size_t line = 0;  // 1-based line in the label file
};

struct IemocapTranscriptLine {
  std::string text;  // trimmed; may be empty (the reader keeps it, feature extraction rejects it)
  size_t line = 0;   // 1-based line in the transcription file
};

// "Ses01F_impro01_F000" -> session 1, gender 'F', dialog "Ses01F_impro01". False
// when the id is not a labelled utterance id (e.g. "Ses03F_impro05_MXX0").
bool SplitIemocapUtteranceId(const std::string& id, int* session, char* gender, std::string* dialog);

// One EmoEvaluation file's utterance lines, in file order. `path` names the file in errors.
std::vector<IemocapLabelLine> ParseIemocapLabels(const std::string& text, const std::string& path);

// One transcription file: utterance id -> its line. A labelled id transcribed twice
// is a DataError naming both lines.
std::map<std::string, IemocapTranscriptLine> ParseIemocapTranscripts(const std::string& text, const std::string& path);

}  // namespace merhan
