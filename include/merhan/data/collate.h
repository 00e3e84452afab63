// The one place where per-utterance feature matrices become a padded Batch.
// Training batches (Batcher, from the feature caches) and inference batches
// (`merhan eval`/`predict`, from freshly extracted matrices) both go through
// Collate, so a model sees the same tensors for the same utterances either way
// (tests/runtime/collate_paths_test.cc).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "merhan/data/feature_cache.h"
#include "merhan/data/stream_kind.h"
#include "merhan/nn/batch.h"

namespace merhan {

// One stream of a batch: its kind (which Batch fields it fills) and one matrix per
// utterance, in batch order. `source` names where the matrices came from (a cache
// directory, "inference") for error messages.
struct CollateStream {
  StreamKind kind = StreamKind::kMfcc;
  std::string name;  // kPrecomputed: the Batch::streams key
  std::string source;
  std::vector<FeatureView> items;
};

// Pads every stream to its longest item (at least one position), zeros beyond an
// item's length, masks true at valid positions:
//   kMfcc          -> audio (B,T,C) float32, audio_mask, audio_lengths
//   kEncoderHidden -> text (B,T,H) float32, text_mask
//   kTokenIds      -> input_ids (B,T) int64, token_type_ids zeros, and text_mask
//                     when there is no kEncoderHidden stream
//   kPrecomputed   -> streams[name]: values (B,T,C) float32, mask, lengths
// `labels` are class indices (-1 = unknown). DataError naming the stream's source
// and the utterance when an item's columns or dtype differ from the others'.
Batch Collate(std::vector<std::string> ids, const std::vector<int64_t>& labels,
              const std::vector<CollateStream>& streams);

// A view of a matrix held in memory (valid while `m` lives), for Collate.
FeatureView ViewOf(const FeatureMatrix& m);

}  // namespace merhan
