// The kinds of feature stream a corpus can have and a typed set of them, so that
// what a run reads is decided once (from the config) and dispatched on an enum,
// never on a stream's name (docs/design.md, "Feature streams").
#pragma once

#include <bitset>
#include <initializer_list>
#include <string>
#include <vector>

namespace merhan {

enum class StreamKind {
  kMfcc,           // audio: MFCC frames (+ CMVN), fills Batch::audio
  kEncoderHidden,  // text: the frozen encoder's last hidden state, fills Batch::text
  kTokenIds,       // text: token ids (int32 in the cache, int64 in a batch) for an encoder fine-tuned in the model
  kPrecomputed,    // a stream declared under data.streams, read from files; fills Batch::streams[name]
};
constexpr int kNumComputedStreamKinds = 3;  // the kinds before kPrecomputed

// "mfcc" | "text" | "tokens" | "precomputed": the computed streams' cache directory
// prefix and the kind's name in messages.
const char* StreamKindName(StreamKind kind);

// The streams a run reads: computed kinds, iterated in enum order (audio first: the
// batcher's length for bucketing is that of the first stream), then precomputed
// streams by their declared names.
class StreamSet {
 public:
  StreamSet() = default;
  StreamSet(std::initializer_list<StreamKind> kinds);
  // A computed kind (InternalError for kPrecomputed: use AddPrecomputed).
  StreamSet& Add(StreamKind kind);
  StreamSet& AddPrecomputed(const std::string& name);
  bool Has(StreamKind kind) const;
  bool empty() const { return bits_.none() && precomputed_.empty(); }
  std::vector<StreamKind> Kinds() const;  // computed kinds only
  const std::vector<std::string>& Precomputed() const { return precomputed_; }
  std::string ToString() const;  // e.g. "mfcc+text+visual"

 private:
  std::bitset<kNumComputedStreamKinds> bits_;
  std::vector<std::string> precomputed_;  // declared order, no duplicates
};

}  // namespace merhan
