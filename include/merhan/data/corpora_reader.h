// Reads the corpora of data.corpora (data/corpus_entry.h) as one corpus: each corpus
// read once by its own reader, its utterances kept when an entry gives their split a
// role, ids and speakers namespaced "<name>/...", counts and drops named per corpus.
#pragma once

#include "merhan/data/corpus.h"
#include "merhan/data/data_options.h"

namespace merhan {

// UsageError naming data.corpora[i] for an entry whose split the corpus does not have
// (listing the splits it has); a reader's errors are prefixed with the entry.
Corpus ReadCorpora(const DataOptions& options);

}  // namespace merhan
