#include "merhan/data/stream_kind.h"

#include <algorithm>

#include "merhan/util/error.h"

namespace merhan {

const char* StreamKindName(StreamKind kind) {
  switch (kind) {
    case StreamKind::kMfcc: return "mfcc";
    case StreamKind::kEncoderHidden: return "text";
    case StreamKind::kTokenIds: return "tokens";
    case StreamKind::kPrecomputed: return "precomputed";
  }
  throw InternalError("StreamKindName: unknown stream kind");
}

StreamSet::StreamSet(std::initializer_list<StreamKind> kinds) {
  for (StreamKind k : kinds) Add(k);
}

StreamSet& StreamSet::Add(StreamKind kind) {
  if (kind == StreamKind::kPrecomputed) throw InternalError("StreamSet::Add: a precomputed stream needs its name");
  bits_.set(static_cast<size_t>(kind));
  return *this;
}

StreamSet& StreamSet::AddPrecomputed(const std::string& name) {
  if (std::find(precomputed_.begin(), precomputed_.end(), name) == precomputed_.end()) precomputed_.push_back(name);
  return *this;
}

bool StreamSet::Has(StreamKind kind) const {
  if (kind == StreamKind::kPrecomputed) return !precomputed_.empty();
  return bits_.test(static_cast<size_t>(kind));
}

std::vector<StreamKind> StreamSet::Kinds() const {
  std::vector<StreamKind> out;
  for (int k = 0; k < kNumComputedStreamKinds; ++k) {
    if (bits_.test(static_cast<size_t>(k))) out.push_back(static_cast<StreamKind>(k));
  }
  return out;
}

std::string StreamSet::ToString() const {
  std::string s;
  for (StreamKind k : Kinds()) s += (s.empty() ? "" : "+") + std::string(StreamKindName(k));
  for (const std::string& name : precomputed_) s += (s.empty() ? "" : "+") + name;
  return s.empty() ? "none" : s;
}

}  // namespace merhan
