// One feature stream: what it is (kind and name), what its features depend on (the
// cache key), the dtype of its matrices and the extractor that makes one utterance's
// matrix. Computed streams are made by data/feature_streams.h, precomputed ones by
// data/precomputed_stream.h.
#pragma once

#include <string>

#include "merhan/data/feature_cache.h"
#include "merhan/data/stream_kind.h"

namespace merhan {

struct FeatureStream {
  StreamKind kind = StreamKind::kMfcc;
  std::string name;                         // cache directory prefix: StreamKindName(kind), or the declared name
  CacheInput input = CacheInput::kWavFile;  // what identifies an utterance's input
  FeatureDtype dtype = FeatureDtype::kFloat32;
  std::string config_json;  // everything the features depend on, with an extractor version
  FeatureExtractor extract;
  // Optional: refuses (throws) a cache build that would not fit (FeatureCache::SetSpaceCheck).
  SpaceCheck check_space;
};

}  // namespace merhan
