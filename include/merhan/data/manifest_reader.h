// Reader of user corpora described by a manifest (MELD or one's own data): CSV with a
// header row (RFC 4180 quoting) or JSONL (one object a line). Columns/keys: id, wav,
// text, label, speaker (required), session (optional integer); other columns (string
// values in JSONL) are kept in Utterance::columns, e.g. the files of precomputed
// feature streams (data.streams). Relative wav paths are resolved against the manifest's folder. A bad row
// is a DataError "manifest.csv:17: why", or is skipped and counted with skip_bad.
#pragma once

#include <string>

#include "merhan/data/corpus.h"

namespace merhan {

Corpus ReadManifest(const std::string& manifest_path, const DataOptions& options);

}  // namespace merhan
