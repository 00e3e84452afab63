// Whole-or-nothing file writes: write a sibling temp file, fsync, rename.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace merhan {

// Calls `write` with a stream on `path + ".tmp.<pid>"`, fsyncs it, then renames it
// over `path`. If `write` throws or the stream fails, the temp file is removed and
// `path` is untouched. Throws DataError naming `path` when the file cannot be written,
// a full disk or a file-size limit included (EFBIG needs SIGXFSZ ignored, which
// merhan does: cli/cli.cc), even when `write` reported the failed stream with an
// exception of its own.
void WriteFileAtomically(const std::string& path, const std::function<void(std::ostream&)>& write);

// Fills a whole directory or nothing: calls `fill` with a fresh sibling
// directory (`dir + ".tmp.<pid>"`), then renames it to `dir`. Without `replace`,
// `dir` must not exist yet (DataError naming it otherwise: a directory is not
// replaced silently). With `replace`, an existing `dir` is exchanged for the new
// one in one step (renameat2 RENAME_EXCHANGE) and then removed, so that `dir` is
// always either the old directory or the new one, never a mix. On any exception
// the temp directory is removed and `dir` is as it was; a DataError from `fill`
// (a full disk included) comes back naming `dir`.
void WriteDirectoryAtomically(const std::string& dir, const std::function<void(const std::string& tmp_dir)>& fill,
                              bool replace = false);

// Convenience for small text or binary blobs.
void WriteStringAtomically(const std::string& path, const std::string& content);

// Reads a whole file; DataError naming the path if it is missing or unreadable.
std::string ReadFileToString(const std::string& path);

// Creates `dir` and its parents; DataError on failure.
void CreateDirectories(const std::string& dir);

}  // namespace merhan
