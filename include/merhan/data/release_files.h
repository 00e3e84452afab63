// What the release readers (data/msp_podcast_reader, meld_reader, crema_d_reader,
// ravdess_reader) share: finding a release's folders and files, first lines of
// transcripts, and the warning that names what a reader left out.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "merhan/data/corpus.h"

namespace merhan {

// The first of `candidates` (relative to `root`) that is a folder; DataError naming
// `root`, `what` and every candidate when none is.
std::filesystem::path FindFolder(const std::filesystem::path& root, const std::vector<std::string>& candidates,
                                 const std::string& what);
// The first of `candidates` that is a regular file, or an empty path.
std::filesystem::path FirstExisting(const std::filesystem::path& root, const std::vector<std::string>& candidates);
// Regular files in `dir` (not recursive) whose name ends in `extension` (e.g. ".wav"),
// sorted; macOS "._" resource files skipped.
std::vector<std::filesystem::path> FilesIn(const std::filesystem::path& dir, const std::string& extension);
// The first line of `text`, without its CR/LF, trimmed of spaces.
std::string FirstLine(const std::string& text);
// Logs one warning naming every utterance the reader left out (corpus.left_out), if any.
void WarnLeftOut(const Corpus& corpus, const std::string& reader);

}  // namespace merhan
