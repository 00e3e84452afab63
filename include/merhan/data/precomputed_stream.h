// Feature streams a user already has (another extractor's embeddings, openSMILE
// functionals, face features...), declared by name under data.streams and read per
// utterance instead of computed (docs/design.md, "Feature streams"):
//
//   "data": {"streams": {
//     "visual":   {"format": "npy", "dir": "features/visual", "dim": 2048},
//     "acoustic": {"format": "safetensors", "file": "features/acoustic.safetensors", "dim": 128}}}
//
// npy: one file per utterance, float16/32/64, 1-D (a pooled vector: one row) or 2-D
// (frames x dim); the file is the manifest row's column named like the stream, else
// <dir>/<utterance id>.npy (a side folder, e.g. beside an IEMOCAP release).
// safetensors: one file per stream, one tensor per utterance id (same shapes and dtypes).
// Every matrix is checked on read (dtype, rank, dim, NaN/Inf); a missing, truncated or
// mis-shaped file is a DataError naming the utterance and the file. The matrices go
// through the feature cache like computed streams, as they are in the files:
// "normalize" (data/speaker_standardization.h) applies when batches are made, so it
// never changes the cache.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "merhan/data/feature_cache.h"
#include "merhan/data/feature_stream.h"
#include "merhan/data/precomputed_stream_spec.h"
#include "merhan/data/utterance.h"

namespace merhan {

// The file holding `u`'s features of `spec`: Utterance::feature_files (filled by
// ReadCorpus), DataError naming the utterance and the stream when it has none.
const std::string& PrecomputedFile(const PrecomputedStreamSpec& spec, const Utterance& u);

// Sets u.feature_files[spec.name] for every utterance: its manifest column
// (relative to `manifest_dir`), else <dir>/<id>.npy, or the safetensors file.
void AssignPrecomputedFiles(const std::vector<PrecomputedStreamSpec>& specs, const std::string& manifest_dir,
                            std::vector<Utterance>* utterances);

// One utterance's matrix from a float tensor-like array of `shape`: a 1-D vector is
// one row, 2-D is frames x dim; DataError naming `what` (utterance and file) for another
// rank, a dim other than spec.dim, no frames, or a NaN/Inf value.
FeatureMatrix CheckedFeatureMatrix(const PrecomputedStreamSpec& spec, const std::vector<int64_t>& shape,
                                   std::vector<float> values, const std::string& what);

// The stream (kind kPrecomputed, float32 matrices) reading `spec`'s files; the cache
// key holds the spec, the cache input is each utterance's feature file.
FeatureStream PrecomputedFeatureStream(const PrecomputedStreamSpec& spec);

}  // namespace merhan
