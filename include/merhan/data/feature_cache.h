// On-disk cache of per-utterance feature matrices (float32, int32 or float16, rows x cols) for
// one named stream ("mfcc", "text", "tokens"), computed once per corpus and
// memory-mapped afterwards.
//
// Layout: <cache_dir>/<stream>-<key>/ with
//   data.<generation>.f32  the matrices back to back, each from a 4-byte boundary
//                          (native little-endian float32, int32 for token ids, or
//                          float16 padded to 4 bytes: the index records the dtype)
//   index.json             per utterance id: offset, shape, checksum, input identity
// `key` hashes the stream name and the extractor's config JSON (the caller supplies
// it, e.g. AudioOptions + MfccOptions + an extractor version), so a changed option
// selects another directory. Inside, each entry remembers its input's identity
// (wav: content hash, with size + mtime as a fast path; text: hash of the transcript):
// entries whose input changed are recomputed, the others reused.
// Crash safety: a new data file is written and fsync'd first, then index.json is
// replaced atomically (it is the "complete" marker). On load the index is validated
// (format, key, config, data size, bounds) and every requested entry's checksum is
// verified; a corrupt index means a rebuild, a corrupt entry is recomputed.
// Ensure() holds an flock on <dir>/.lock so that two processes do not race: a
// second process waits (and logs that it does), then reloads what the first one
// committed and computes only what is still missing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "merhan/data/utterance.h"
#include "merhan/util/progress.h"

namespace merhan {

// Element type of a stream's matrices. Token ids stay integers all the way to the
// batch; speech-encoder states are stored as float16 (half the disk of float32) and
// become float32 in a batch (docs/design.md, "Feature streams").
enum class FeatureDtype { kFloat32, kInt32, kFloat16 };
const char* FeatureDtypeName(FeatureDtype dtype);  // "float32" | "int32" | "float16"
int64_t FeatureDtypeBytes(FeatureDtype dtype);     // 4 | 4 | 2

struct FeatureMatrix {
  int64_t rows = 0;
  int64_t cols = 0;
  FeatureDtype dtype = FeatureDtype::kFloat32;
  std::vector<float> data;   // row-major, rows * cols (kFloat32)
  std::vector<int32_t> ids;  // row-major, rows * cols (kInt32)
  std::vector<uint16_t> halves;  // row-major, rows * cols IEEE binary16 bits (kFloat16)
  const void* bytes() const;
  int64_t size() const;  // values held, of the matrix's dtype
};

// Computes one utterance's features. Called concurrently from worker threads, so it
// must be thread-safe. Throws (e.g. DataError naming a bad wav) to abort Ensure.
using FeatureExtractor = std::function<FeatureMatrix(const Utterance&)>;

// Called before a new data file is written with the utterances about to be computed,
// the bytes of the entries kept and the cache directory; throws to refuse the build
// (a speech-encoder stream's free-space estimate).
using SpaceCheck = std::function<void(const std::vector<const Utterance*>& to_compute, int64_t kept_bytes,
                                      const std::string& dir)>;

// What identifies an utterance's input for this stream.
enum class CacheInput {
  kWavFile,  // Utterance::wav_path (content hash; size + mtime as a fast path)
  kText,     // Utterance::text
  // Utterance::feature_files[<stream name>] (a precomputed stream's file; content hash
  // with size + mtime as a fast path, hashed once when many utterances share it)
  kFeatureFile,
};

// A read-only view into the memory-mapped data; valid while the cache lives and
// until the next Ensure().
struct FeatureView {
  const void* data = nullptr;  // rows * cols values of `dtype`
  int64_t rows = 0;
  int64_t cols = 0;
  FeatureDtype dtype = FeatureDtype::kFloat32;
  // The values of a float32 view; InternalError for another dtype.
  const float* floats() const;
};

struct FeatureCacheStats {
  int64_t requested = 0;       // distinct utterances asked for
  int64_t hits = 0;            // reused as they were
  int64_t computed = 0;        // extracted now (new, input changed, or corrupt)
  int64_t corrupt = 0;         // entries whose checksum failed (recomputed)
  int64_t content_hashed = 0;  // wavs whose content was hashed (size/mtime changed or new)
  bool index_rebuilt = false;  // the index was missing, partial or corrupt
  bool wrote = false;          // a new data file or index was written
  double seconds = 0.0;
  std::string ToString() const;
};

class FeatureCache {
 public:
  // Opens (creates on Ensure) <cache_dir>/<stream>-<Hash64(stream + config_json)>.
  // Loads a complete existing cache if there is one; never computes. Extractors
  // must return matrices of `dtype`.
  FeatureCache(const std::string& cache_dir, const std::string& stream, const std::string& config_json,
               CacheInput input, FeatureDtype dtype = FeatureDtype::kFloat32);
  ~FeatureCache();
  FeatureCache(const FeatureCache&) = delete;
  FeatureCache& operator=(const FeatureCache&) = delete;

  // Makes every utterance's features present and valid, computing what is missing or
  // stale with `extract` on `threads` workers (0 = all cores). With an empty
  // `extract`, missing features are a DataError telling the user to run
  // `merhan features`. `progress` gets (done, to_compute).
  FeatureCacheStats Ensure(const std::vector<Utterance>& utterances, const FeatureExtractor& extract, int threads = 0,
                           const ProgressCallback& progress = {});

  void SetSpaceCheck(SpaceCheck check) { space_check_ = std::move(check); }

  bool Has(const std::string& id) const;
  // DataError naming the cache directory when `id` has no features.
  FeatureView Get(const std::string& id) const;
  int64_t size() const { return static_cast<int64_t>(entries_.size()); }

  const std::string& dir() const { return dir_; }
  const std::string& stream() const { return stream_; }
  const std::string& key() const { return key_; }
  FeatureDtype dtype() const { return dtype_; }

  struct Entry {
    std::string id;
    std::string input;  // identity of the input (hex hash)
    std::string path;   // wav path (kWavFile) for the stat fast path
    int64_t file_size = -1;
    int64_t mtime_ns = -1;
    int64_t offset = 0;  // in 4-byte units
    int64_t rows = 0, cols = 0;
    uint64_t checksum = 0;  // Hash64 of the entry's bytes
  };

 private:
  struct Plan;  // what Ensure found: per utterance, reuse or compute
  bool LoadIndex(std::string* problem);
  void Map(const std::string& data_file, int64_t bytes);
  void Unmap();
  void WriteIndex(const std::string& data_file, int64_t bytes) const;
  // Ensure's steps, in order.
  void Reload(FeatureCacheStats* stats);
  Plan CheckEntries(const std::vector<Utterance>& utterances, int threads, FeatureCacheStats* stats) const;
  void WarnCorrupt(const std::vector<std::string>& ids) const;
  void RememberMovedInputs(const Plan& plan);
  // The file identifying u's input (kWavFile, kFeatureFile).
  const std::string& InputFile(const Utterance& u) const;
  void WriteGeneration(const Plan& plan, const FeatureExtractor& extract, int threads,
                       const ProgressCallback& progress);
  void Commit(std::vector<Entry> entries, const std::string& data_file, int64_t bytes, int generation);

  std::string dir_, stream_, config_, key_;
  CacheInput input_;
  FeatureDtype dtype_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> by_id_;
  std::string data_file_;  // file name inside dir_
  int generation_ = 0;
  const uint32_t* mapped_ = nullptr;  // 4-byte units of any dtype
  int64_t mapped_bytes_ = 0;
  SpaceCheck space_check_;
};

}  // namespace merhan
